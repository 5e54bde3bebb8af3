import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { lookupTrailEvents, trailClients } from '../../shared/cloudtrail-lookup';
import { TargetUnreachableError } from '../errors';
import { IamAccessDeniedError, IamApiError, IamUserNotFoundError } from './errors';
import {
  KEY_CHECK_USER_AGENT,
  type AccessKeyInfo,
  type IamAccess,
  type IamKeyApi,
  type SignedIdentity,
} from './iam-api';
import type { AccessKeyPair } from './secret';

/**
 * The IAM and STS calls of the `iam-access-key` strategy over the AWS SDK, loaded on first use (their
 * own bundles in the deployed function: a function that rotates no IAM key never loads them). The
 * clients honour AWS_ENDPOINT_URL_IAM, _STS and _CLOUDTRAIL, as every client of keyturn does.
 * Errors name the call and the user, never a secret access key (the SDK's messages hold none).
 */

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
/** What STS answers for a key it does not accept (unknown, inactive, deleted, wrong secret, expired). */
const REJECTED = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'AccessDenied',
]);

interface SdkError {
  readonly name: string;
  readonly message: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function asSdkError(error: unknown): SdkError {
  return error instanceof Error ? error : { name: 'Unknown', message: String(error) };
}

/** An error that never reached AWS (no HTTP status): the network, DNS, a timeout. */
function unreachable(error: SdkError): boolean {
  return error.$metadata?.httpStatusCode === undefined && !/Exception$|^(AccessDenied|NoSuchEntity)/.test(error.name);
}

function failure(error: unknown, call: string, userName?: string): Error {
  const e = asSdkError(error);
  const what = `${call}${userName === undefined ? '' : ` on IAM user "${userName}"`}`;
  if (DENIED.has(e.name)) return new IamAccessDeniedError(`${what} was denied: ${e.message}`);
  if (unreachable(e)) return new TargetUnreachableError(`${what} did not reach AWS: ${e.name}: ${e.message}`);
  return new IamApiError(`${what} failed: ${e.name}: ${e.message}`);
}

const isNoSuchEntity = (error: unknown) => asSdkError(error).name.startsWith('NoSuchEntity');

type Credentials = { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };

async function keyApi(iam: IAMClient, credentials?: Credentials): Promise<IamKeyApi> {
  const sdk = await import('@aws-sdk/client-iam');
  const trail = trailClients(credentials);
  return {
    async listKeys(userName) {
      try {
        const keys: AccessKeyInfo[] = [];
        let marker: string | undefined;
        do {
          const page = await iam.send(new sdk.ListAccessKeysCommand({ UserName: userName, Marker: marker }));
          for (const k of page.AccessKeyMetadata ?? []) {
            if (k.AccessKeyId === undefined) continue;
            keys.push({
              accessKeyId: k.AccessKeyId,
              status: k.Status === 'Active' ? 'Active' : 'Inactive',
              createdAt: k.CreateDate ?? new Date(0),
            });
          }
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
        return keys;
      } catch (error) {
        if (isNoSuchEntity(error)) {
          throw new IamUserNotFoundError(`IAM user "${userName}" does not exist: keyturn does not create users`);
        }
        throw failure(error, 'iam:ListAccessKeys', userName);
      }
    },
    async createKey(userName) {
      try {
        const out = await iam.send(new sdk.CreateAccessKeyCommand({ UserName: userName }));
        const key = out.AccessKey;
        if (!key?.AccessKeyId || !key.SecretAccessKey) {
          throw new IamApiError(`iam:CreateAccessKey on IAM user "${userName}" answered without a key`);
        }
        return {
          accessKeyId: key.AccessKeyId,
          secretAccessKey: key.SecretAccessKey,
          createdAt: key.CreateDate ?? new Date(),
        };
      } catch (error) {
        if (error instanceof IamApiError) throw error;
        if (asSdkError(error).name.startsWith('LimitExceeded')) return 'limit-exceeded';
        if (isNoSuchEntity(error)) throw new IamUserNotFoundError(`IAM user "${userName}" does not exist`);
        throw failure(error, 'iam:CreateAccessKey', userName);
      }
    },
    async setStatus(userName, accessKeyId, status) {
      try {
        await iam.send(
          new sdk.UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
        );
        return 'done';
      } catch (error) {
        if (isNoSuchEntity(error)) return 'gone';
        throw failure(error, 'iam:UpdateAccessKey', userName);
      }
    },
    async deleteKey(userName, accessKeyId) {
      try {
        await iam.send(new sdk.DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
        return 'deleted';
      } catch (error) {
        if (isNoSuchEntity(error)) return 'gone';
        throw failure(error, 'iam:DeleteAccessKey', userName);
      }
    },
    async lastUse(accessKeyId) {
      try {
        const out = await iam.send(new sdk.GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
        const used = out.AccessKeyLastUsed;
        return {
          ...(used?.LastUsedDate ? { lastUsedAt: used.LastUsedDate } : {}),
          ...(used?.ServiceName && used.ServiceName !== 'N/A' ? { serviceName: used.ServiceName } : {}),
          ...(used?.Region && used.Region !== 'N/A' ? { region: used.Region } : {}),
        };
      } catch (error) {
        throw failure(error, 'iam:GetAccessKeyLastUsed', undefined);
      }
    },
    async callsSignedWith(accessKeyId, since, region, limit) {
      try {
        return await lookupTrailEvents(await trail(region), {
          attribute: { key: 'AccessKeyId', value: accessKeyId },
          since,
          region,
          limit,
        });
      } catch (error) {
        throw failure(error, `cloudtrail:LookupEvents in ${region}`);
      }
    },
  };
}

async function signedIdentity(sts: STSClient): Promise<SignedIdentity> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return { ok: true, identity: { arn: out.Arn ?? '', account: out.Account ?? '' } };
  } catch (error) {
    const e = asSdkError(error);
    if (REJECTED.has(e.name)) return { ok: false, code: e.name };
    throw failure(error, 'sts:GetCallerIdentity');
  }
}

/** Assumed-role credentials are renewed this long before they expire. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/** IAM and STS through the function's own role (and the roles the entries name). One per cold start. */
export function createAwsIamAccess(): IamAccess {
  let ownKeys: Promise<IamKeyApi> | undefined;
  let account: Promise<string> | undefined;
  const roles = new Map<string, { api: Promise<IamKeyApi>; expiresAt: number }>();
  let ownStsClient: Promise<STSClient> | undefined;
  const ownSts = (): Promise<STSClient> =>
    (ownStsClient ??= import('@aws-sdk/client-sts').then(({ STSClient }) => new STSClient({})));

  async function assumed(roleArn: string): Promise<{ api: Promise<IamKeyApi>; expiresAt: number }> {
    const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const { IAMClient } = await import('@aws-sdk/client-iam');
    try {
      const out = await (
        await ownSts()
      ).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'keyturn-rotation', DurationSeconds: 900 }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new IamApiError(`sts:AssumeRole on ${roleArn} gave no credentials`);
      const credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
      return {
        api: keyApi(new IAMClient({ credentials }), credentials),
        expiresAt: (c.Expiration?.getTime() ?? Date.now() + 900_000) - RENEW_BEFORE_EXPIRY_MS,
      };
    } catch (error) {
      if (error instanceof IamApiError) throw error;
      throw failure(error, `sts:AssumeRole on ${roleArn}`);
    }
  }

  return {
    async keys(roleArn) {
      if (roleArn === undefined) {
        ownKeys ??= import('@aws-sdk/client-iam').then(({ IAMClient }) => keyApi(new IAMClient({})));
        return ownKeys.catch((error: unknown) => {
          ownKeys = undefined;
          throw error;
        });
      }
      const cached = roles.get(roleArn);
      if (cached && cached.expiresAt > Date.now()) return cached.api;
      const fresh = await assumed(roleArn);
      roles.set(roleArn, fresh);
      return fresh.api;
    },
    async identityOf(key: AccessKeyPair) {
      const { STSClient } = await import('@aws-sdk/client-sts');
      // One attempt per call: the strategy decides when to try again (IAM's eventual consistency).
      const sts = new STSClient({
        credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
        maxAttempts: 1,
        // So that the key's usage evidence (CloudTrail) can tell keyturn's own checks from its clients' calls.
        customUserAgent: KEY_CHECK_USER_AGENT,
      });
      try {
        return await signedIdentity(sts);
      } finally {
        sts.destroy();
      }
    },
    async ownAccount() {
      account ??= ownSts().then(async (sts) => {
        const answer = await signedIdentity(sts);
        if (!answer.ok)
          throw new IamAccessDeniedError(`sts:GetCallerIdentity with the function's role: ${answer.code}`);
        return answer.identity.account;
      });
      return account.catch((error: unknown) => {
        account = undefined;
        throw error;
      });
    },
  };
}
