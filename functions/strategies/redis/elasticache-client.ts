import type { ElastiCacheClient, User } from '@aws-sdk/client-elasticache';
import type { ElastiCacheUser, ElastiCacheUserApi, ElastiCacheUserApiProvider } from './elasticache-api';
import { ElastiCacheApiError } from './errors';

/**
 * The function's ElastiCache API, built on first use from `@aws-sdk/client-elasticache` (a bundle of
 * its own in the deployed function: a rotation function that rotates no ElastiCache user never
 * loads it). The client honours AWS_ENDPOINT_URL_ELASTICACHE like the other clients (the local
 * ElastiCache in tests and drills).
 */

function toUser(user: User, userId: string): ElastiCacheUser {
  return {
    userId: user.UserId ?? userId,
    userName: user.UserName,
    status: user.Status,
    authenticationType: user.Authentication?.Type,
    passwordCount: user.Authentication?.PasswordCount,
  };
}

/** The port over a client (tests pass one pointed at the local ElastiCache). */
export async function elastiCacheUserApi(client: ElastiCacheClient): Promise<ElastiCacheUserApi> {
  const { DescribeUsersCommand, ModifyUserCommand } = await import('@aws-sdk/client-elasticache');
  return {
    async describeUser(userId) {
      const output = await client.send(new DescribeUsersCommand({ UserId: userId }));
      const user = output.Users?.find((u) => u.UserId === userId) ?? output.Users?.[0];
      return user ? toUser(user, userId) : undefined;
    },
    async setUserPasswords(userId, passwords) {
      // The input is never logged: it holds the passwords.
      await client.send(
        new ModifyUserCommand({ UserId: userId, AuthenticationMode: { Type: 'password', Passwords: [...passwords] } }),
      );
    },
  };
}

let shared: Promise<ElastiCacheUserApi> | undefined;

/** The rotation function's ElastiCache API (one client per cold start). */
export const lambdaElastiCacheUserApi: ElastiCacheUserApiProvider = () =>
  (shared ??= import('@aws-sdk/client-elasticache').then(
    ({ ElastiCacheClient }) => elastiCacheUserApi(new ElastiCacheClient({})),
    (error: unknown) => {
      shared = undefined; // a later call tries again
      throw new ElastiCacheApiError(
        `the ElastiCache SDK cannot be loaded in this function: ${(error as Error).message}`,
        'SdkNotLoaded',
      );
    },
  ));
