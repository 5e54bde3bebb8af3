/**
 * The auth-failure signal of a policy entry: how many failed logins the entry's target saw for the entry's own
 * users in a time range (CloudWatch metrics the stack derives from the policy: RDS log exports through metric
 * filters, ElastiCache's AuthenticationFailures, ...). The lifecycle's watch windows and the canary hold read it;
 * the implementation receives its CloudWatch client. Counts only, never a value.
 */
export interface AuthFailureQuery {
  readonly secretArn: string;
  readonly entryId?: string;
  /** The secret's tags: the `keyturn:*` tags the policy writes say which metric is the entry's signal. */
  readonly tags: Readonly<Record<string, string>>;
  readonly since: Date;
  readonly until: Date;
}

export type AuthFailureCount =
  /** The signal was read: `failures` in the range, `source` names the metric (namespace, name, dimensions). */
  | { readonly observed: true; readonly failures: number; readonly source: string }
  /** The entry has no signal, or it could not be read: `reason` says which (never a value). */
  | { readonly observed: false; readonly reason: string };

export type AuthFailureReader = (query: AuthFailureQuery) => Promise<AuthFailureCount>;
