import { waitBudgetMs, type Deadline } from '../../shared/deadline';
import type { VerifyResult } from '../strategy';
import { KeyIdentityMismatchError } from './errors';
import type { IamAccess } from './iam-api';
import { accountOfRole, type IamOptions } from './options';
import type { AccessKeyPair } from './secret';

/** The identity a key of the secret must authenticate as: the IAM user, in the account keyturn reaches it in. */
export interface ExpectedUser {
  readonly account: string;
  readonly path: string;
  readonly userName: string;
}

/** How long a new key is given to start working (IAM is eventually consistent: seconds, rarely more). */
export const PROPAGATION = { firstDelayMs: 250, factor: 1.6, maxDelayMs: 2_000, budgetMs: 30_000 } as const;

export async function expectedUser(access: IamAccess, options: IamOptions, userName: string): Promise<ExpectedUser> {
  const account = options.roleArn === undefined ? await access.ownAccount() : accountOfRole(options.roleArn);
  return { account, path: options.path, userName };
}

export function describeUser(user: ExpectedUser): string {
  return `arn:aws:iam::${user.account}:user${user.path}${user.userName}`;
}

/** Whether an ARN from GetCallerIdentity is this IAM user (any partition). */
export function isUserArn(arn: string, user: ExpectedUser): boolean {
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):user(\/.*)$/.exec(arn);
  return match !== null && match[1] === user.account && match[2] === `${user.path}${user.userName}`;
}

/**
 * GetCallerIdentity signed with `key`, once: `ok` when it is the expected user, a definite `rejected`
 * when STS refuses the key, KeyIdentityMismatchError when it authenticates as someone else.
 */
export async function checkKey(access: IamAccess, key: AccessKeyPair, user: ExpectedUser): Promise<VerifyResult> {
  const answer = await access.identityOf(key);
  if (!answer.ok) {
    return { ok: false, failure: 'rejected', reason: `STS rejects access key ${key.accessKeyId} (${answer.code})` };
  }
  if (!isUserArn(answer.identity.arn, user)) {
    throw new KeyIdentityMismatchError(
      `access key ${key.accessKeyId} authenticates as ${answer.identity.arn}, not as IAM user ${describeUser(user)}`,
    );
  }
  return { ok: true };
}

/**
 * checkKey, repeated while STS rejects the key, for up to PROPAGATION.budgetMs and never past the
 * invocation's deadline: a new key takes a few seconds to work everywhere.
 */
export async function awaitKeyWorks(
  access: IamAccess,
  key: AccessKeyPair,
  user: ExpectedUser,
  deadline: Deadline,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<VerifyResult & { readonly attempts: number }> {
  const giveUpAt = Date.now() + Math.min(PROPAGATION.budgetMs, waitBudgetMs(deadline));
  let delay: number = PROPAGATION.firstDelayMs;
  for (let attempts = 1; ; attempts++) {
    const verdict = await checkKey(access, key, user);
    if (verdict.ok || Date.now() + delay > giveUpAt) return { ...verdict, attempts };
    await sleep(delay);
    delay = Math.min(PROPAGATION.maxDelayMs, delay * PROPAGATION.factor);
  }
}

/**
 * After a key was deactivated or deleted: GetCallerIdentity signed with it, repeated until STS refuses
 * it (or it no longer authenticates as the user) for up to `budgetMs`, never past the deadline. True
 * only when that was seen: the revoke's `confirmedRejected`.
 */
export async function awaitKeyRefused(
  access: IamAccess,
  key: AccessKeyPair,
  user: ExpectedUser,
  deadline: Deadline,
  budgetMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<boolean> {
  const giveUpAt = Date.now() + Math.min(budgetMs, waitBudgetMs(deadline));
  let delay: number = PROPAGATION.firstDelayMs;
  for (;;) {
    const verdict = await checkKey(access, key, user).catch((error: unknown) => {
      if (error instanceof KeyIdentityMismatchError) return { ok: false } as const; // not the user's key any more
      throw error;
    });
    if (!verdict.ok) return true;
    if (Date.now() + delay > giveUpAt) return false;
    await sleep(delay);
    delay = Math.min(PROPAGATION.maxDelayMs, delay * PROPAGATION.factor);
  }
}
