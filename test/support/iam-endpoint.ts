/**
 * The IAM + STS endpoint the iam-access-key tests rotate keys through. Today it is moto's (which
 * identifies a key's user in GetCallerIdentity, but accepts inactive keys and wrong secrets: see the
 * README); a local IAM/STS that verifies SigV4 against the keys it issued can take its place here,
 * behind the same interface, without touching the tests.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { motoUnavailableReason, startMotoServer } from './moto';

export interface IamEndpoint {
  /** Who serves it: tests of behaviour only a faithful endpoint has (old key rejected) check this. */
  readonly kind: 'moto';
  readonly endpoint: string;
  /** An administrator's client, for setting up users and checking what keyturn did. */
  readonly admin: IAMClient;
  /** The account its users live in. */
  readonly account: string;
  stop(): Promise<void>;
}

/** Why no IAM endpoint can run here, or undefined. */
export function iamEndpointUnavailableReason(): string | undefined {
  return motoUnavailableReason();
}

/**
 * Starts the endpoint and points the AWS SDK at it (AWS_ENDPOINT_URL_IAM and _STS, as a deployed
 * function could be pointed), before the rotation function builds its clients.
 */
export async function startIamEndpoint(): Promise<IamEndpoint> {
  const moto = await startMotoServer();
  process.env.AWS_ENDPOINT_URL_IAM = moto.endpoint;
  process.env.AWS_ENDPOINT_URL_STS = moto.endpoint;
  const admin = new IAMClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'keyturn-test-admin', secretAccessKey: 'keyturn-test-admin' },
  });
  return {
    kind: 'moto',
    endpoint: moto.endpoint,
    admin,
    account: '123456789012',
    async stop() {
      admin.destroy();
      await moto.stop();
    },
  };
}
