import { paginateListAccessKeys, paginateListUsers, type IAMClient } from '@aws-sdk/client-iam';
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

export async function listUsersWithOldKeys(
  iam: IAMClient,
  options: { readonly now: Date; readonly maxAgeDays: number },
): Promise<UserWithOldKeys[]> {
  const found: UserWithOldKeys[] = [];
  for await (const page of paginateListUsers({ client: iam }, {})) {
    for (const user of page.Users ?? []) {
      if (user.UserName === undefined || user.Arn === undefined) continue;
      const keys = [];
      for await (const keyPage of paginateListAccessKeys({ client: iam }, { UserName: user.UserName })) {
        keys.push(...(keyPage.AccessKeyMetadata ?? []));
      }
      const oldKeys = keys
        .filter((key) => key.Status === 'Active' && key.AccessKeyId !== undefined && key.CreateDate !== undefined)
        .map((key) => ({
          accessKeyId: key.AccessKeyId as string,
          ageDays: daysBetween(key.CreateDate as Date, options.now),
        }))
        .filter((key) => key.ageDays > options.maxAgeDays)
        .sort((a, b) => b.ageDays - a.ageDays);
      if (oldKeys.length > 0) {
        found.push({ userName: user.UserName, path: user.Path ?? '/', arn: user.Arn, oldKeys, keyCount: keys.length });
      }
    }
  }
  return found.sort((a, b) => a.userName.localeCompare(b.userName));
}
