import * as z from 'zod/mini';
import { InvalidTaskInputError } from '../tasks/errors';
import { DEFAULT_ON_DEMAND_ROTATION_LIMIT } from './rotation-method';

/**
 * What starts a kms-key run (the schedule CDK makes from the policy, or an operator): the key, its alias and
 * the entry's settings, all value-free. Checked before anything is called, so bad input changes nothing.
 */

const DAY = 86_400;
const seconds = (max: number) => z.int().check(z.minimum(0), z.maximum(max));

export const keySettingsSchema = z.object({
  /** Both keys work this long after the alias moved, before the old key's use is checked. */
  graceSeconds: z._default(seconds(365 * DAY), DAY),
  /** Between two checks of the old key's use. */
  drainCheckSeconds: z._default(seconds(DAY), 300),
  /** Checks of the old key's use before the run decides (whenStillInUse). */
  drainChecks: z._default(z.int().check(z.minimum(1), z.maximum(1_000)), 12),
  /** A key still in use after the checks: leave it enabled and alert (`stop`), or go on disabling it (`proceed`). */
  whenStillInUse: z._default(z.enum(['stop', 'proceed']), 'stop'),
  /** Signing keys: the old key stays enabled at least this long after the switch, to verify old signatures. */
  keepForVerificationSeconds: z._default(seconds(365 * DAY), 0),
  /** After disabling the old key, how long to watch for failed uses before scheduling its deletion. */
  canaryWatchSeconds: z._default(seconds(30 * DAY), 3_600),
  /** KMS's waiting period before a scheduled deletion happens (7 to 30 days). */
  deletionWindowDays: z._default(z.int().check(z.minimum(7), z.maximum(30)), 30),
  /** On-demand rotations KMS allows per key (its API reference: 10). */
  onDemandRotationLimit: z._default(z.int().check(z.minimum(1), z.maximum(25)), DEFAULT_ON_DEMAND_ROTATION_LIMIT),
});
export type KeySettings = z.output<typeof keySettingsSchema>;

const ALIAS = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

export const keyRunInputSchema = z.object({
  /** The policy entry (audit events and alerts name it). */
  entryId: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a policy entry id')),
  /** The key to rotate: id or ARN (not an alias: the alias is what moves). */
  keyId: z.string().check(
    z.minLength(1),
    z.maxLength(2048),
    z.refine((id) => !id.startsWith('alias/'), 'must be a key id or ARN, not an alias'),
  ),
  /** The alias consumers use; required to replace a key (the alias is what moves to the new key). */
  aliasName: z.optional(z.string().check(z.regex(ALIAS, 'must be an alias name such as alias/payments'))),
  emergency: z._default(z.boolean(), false),
  alertTopicArn: z.optional(z.string()),
  settings: z.prefault(keySettingsSchema, {}),
});
export type KeyRunInput = z.output<typeof keyRunInputSchema>;

export function parseKeyRunInput(input: unknown): KeyRunInput {
  const parsed = keyRunInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
  throw new InvalidTaskInputError(`kms-key run input is invalid: ${issues.join('; ')}`);
}
