/**
 * The IAM + STS endpoints the iam-access-key tests rotate keys through: keyturn's local IAM (which
 * verifies every request's SigV4 signature against the key's secret, so a refused old key is proven
 * by signing with it), or moto's as a conformance check (moto identifies a key's user in
 * GetCallerIdentity, but accepts inactive keys and wrong secrets: see docs/local-services.md).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { LocalIam } from '../../local/iam';
import { motoUnavailableReason, startMotoServer } from './moto';

export interface IamEndpoint {
  /** Who serves it: only 'local' refuses inactive keys and wrong signatures. */
  readonly kind: 'local' | 'moto';
  readonly iamEndpoint: string;
  readonly stsEndpoint: string;
  /** An administrator's client, for setting up users and checking what keyturn did. */
  readonly admin: IAMClient;
  /** The account its users live in. */
  readonly account: string;
  stop(): Promise<void>;
}

/** What STS answered to GetCallerIdentity signed with a key: the ARN, or the error's name. */
export type SignedAnswer = { readonly arn: string } | { readonly refused: string };

/** GetCallerIdentity signed with `key` (one attempt, no retries): the key's signature put to the test. */
export async function signWith(
  endpoint: IamEndpoint,
  key: { readonly id: string; readonly secret: string },
): Promise<SignedAnswer> {
  const sts = new STSClient({
    endpoint: endpoint.stsEndpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
  });
  try {
    return { arn: (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '' };
  } catch (error) {
    return { refused: error instanceof Error ? error.name : String(error) };
  } finally {
    sts.destroy();
  }
}

/**
 * The local IAM a LocalStack started (`startLocalStack({ iam: true })`, which already points the SDK
 * at it and signs with its admin key), seen as an IamEndpoint.
 */
export function localIamEndpoint(iam: LocalIam): IamEndpoint {
  const admin = new IAMClient({ endpoint: iam.iamEndpoint, region: iam.region, credentials: iam.adminCredentials });
  return {
    kind: 'local',
    iamEndpoint: iam.iamEndpoint,
    stsEndpoint: iam.stsEndpoint,
    admin,
    account: iam.accountId,
    stop() {
      admin.destroy();
      return Promise.resolve(); // the stack stops the local IAM
    },
  };
}

/** Why moto's IAM cannot run here, or undefined. */
export function motoIamUnavailableReason(): string | undefined {
  return motoUnavailableReason();
}

/**
 * Starts moto and points the AWS SDK at it (AWS_ENDPOINT_URL_IAM, _STS and _CLOUDTRAIL, as a deployed function
 * could be pointed), before the rotation function builds its clients.
 */
export async function startMotoIamEndpoint(): Promise<IamEndpoint> {
  const moto = await startMotoServer();
  process.env.AWS_ENDPOINT_URL_IAM = moto.endpoint;
  process.env.AWS_ENDPOINT_URL_STS = moto.endpoint;
  // moto serves no LookupEvents: a drain's lookup fails there (named in its evidence) instead of leaving loopback.
  process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = moto.endpoint;
  const admin = new IAMClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'keyturn-test-admin', secretAccessKey: 'keyturn-test-admin' },
  });
  return {
    kind: 'moto',
    iamEndpoint: moto.endpoint,
    stsEndpoint: moto.endpoint,
    admin,
    account: '123456789012',
    async stop() {
      admin.destroy();
      await moto.stop();
    },
  };
}
