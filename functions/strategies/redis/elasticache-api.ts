/**
 * The part of the ElastiCache API the `elasticache-user` strategy uses, as a narrow port: the
 * strategy never builds SDK commands itself, so tests can drive it with a fake and the SDK stays
 * a lazily loaded module (see elasticache-client.ts). Errors are thrown as the SDK throws them:
 * an Error whose `name` is the API's error (UserNotFoundFault, InvalidUserStateFault,
 * InvalidParameterValueException, ThrottlingException...).
 */

/** A user as DescribeUsers reports it: never a password, only their count. */
export interface ElastiCacheUser {
  readonly userId: string;
  readonly userName?: string;
  /** `active`, `modifying` or `deleting`. */
  readonly status?: string;
  /** `password`, `no-password` or `iam` (Authentication.Type). */
  readonly authenticationType?: string;
  /** Authentication.PasswordCount: at most two. */
  readonly passwordCount?: number;
}

export interface ElastiCacheUserApi {
  /** DescribeUsers by UserId; throws UserNotFoundFault for an unknown id, as the API does. */
  describeUser(userId: string): Promise<ElastiCacheUser | undefined>;
  /**
   * ModifyUser with `AuthenticationMode: { Type: 'password', Passwords }`: replaces the user's whole
   * password set (one or two) and leaves its access string alone. The user is `modifying` afterwards.
   */
  setUserPasswords(userId: string, passwords: readonly string[]): Promise<void>;
}

/** The API a strategy uses, built on first use. */
export type ElastiCacheUserApiProvider = () => Promise<ElastiCacheUserApi>;

/** ElastiCache's error names, as the SDK sets `error.name` (the model's shape names). */
export const ElastiCacheErrorName = {
  userNotFound: 'UserNotFoundFault',
  invalidUserState: 'InvalidUserStateFault',
  invalidParameterValue: 'InvalidParameterValueException',
  invalidParameterCombination: 'InvalidParameterCombinationException',
} as const;
