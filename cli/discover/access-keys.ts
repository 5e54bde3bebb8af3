import {
  paginateListAccessKeys,
  paginateListUsers,
  type AccessKeyMetadata,
  type IAMClient,
  type User,
} from '@aws-sdk/client-iam';
import { mapConcurrently } from './concurrency';
import { daysBetween } from './finding';

/**
 * IAM users with an Active access key older than the threshold (ListUsers, ListAccessKeys: names, ids, dates;
 * never a secret). Inactive keys are left out: they sign nothing.
 */

export interface OldAccessKey {
  readonly accessKeyId: string;
  readonly ageDays: number;
}

export interface UserWithOldKeys {
  readonly userName: string;
  readonly path: string;
  readonly arn: string;
  /** The user's Active keys older than the threshold, oldest first. */
  readonly oldKeys: readonly OldAccessKey[];
  /** All the user's keys, Active or not: IAM allows two, and a rotation needs a free slot. */
  readonly keyCount: number;
}

/** Users whose keys are listed at once: IAM's control plane throttles bursts. */
const CONCURRENCY = 4;

export async function listUsersWithOldKeys(
  iam: IAMClient,
  options: { readonly now: Date; readonly maxAgeDays: number },
): Promise<UserWithOldKeys[]> {
  const users: User[] = [];
  for await (const page of paginateListUsers({ client: iam }, {})) users.push(...(page.Users ?? []));
  const found = await mapConcurrently(users, CONCURRENCY, (user) => withOldKeys(iam, user, options));
  return found
    .filter((user): user is UserWithOldKeys => user !== undefined)
    .sort((a, b) => a.userName.localeCompare(b.userName));
}

async function withOldKeys(
  iam: IAMClient,
  user: User,
  options: { readonly now: Date; readonly maxAgeDays: number },
): Promise<UserWithOldKeys | undefined> {
  if (user.UserName === undefined || user.Arn === undefined) return undefined;
  const keys: AccessKeyMetadata[] = [];
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: user.UserName })) {
    keys.push(...(page.AccessKeyMetadata ?? []));
  }
  const oldKeys = keys
    .flatMap((key) =>
      key.Status === 'Active' && key.AccessKeyId !== undefined && key.CreateDate !== undefined
        ? [{ accessKeyId: key.AccessKeyId, ageDays: daysBetween(key.CreateDate, options.now) }]
        : [],
    )
    .filter((key) => key.ageDays > options.maxAgeDays)
    .sort((a, b) => b.ageDays - a.ageDays);
  if (oldKeys.length === 0) return undefined;
  return { userName: user.UserName, path: user.Path ?? '/', arn: user.Arn, oldKeys, keyCount: keys.length };
}
