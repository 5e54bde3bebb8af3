import { z } from 'zod';
import { ScheduleExpressionError, validateRotationRules } from '../../functions/shared/rotation-schedule';
import { DURATION_PATTERN } from './duration';

/**
 * Fields every kind of policy entry shares, secrets (`entries`) and keys (`keys`) alike: ids, owners, schedules,
 * durations and tags. One definition each, so an entry and a key cannot drift apart in what they accept.
 */

// Secrets Manager's tag character set (KMS's is the same); tags carry strategy options to the rotation function.
export const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const TAG_TEXT_MESSAGE = 'may hold only letters, digits, spaces and _ . : / = + - @ (a tag value)';
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-f-]{32,36}$/;

/** A customer managed KMS key, by ARN. */
export const kmsKeyArn = z
  .string()
  .regex(KMS_KEY_ARN, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');

export const duration = z.string().regex(DURATION_PATTERN, 'must be a duration such as 30m, 24h or 7d');

/** Stable identifier of an entry or a key: construct ids, schedule names and alarms derive from it. */
export const entryId = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    'must be lowercase letters, digits and hyphens, starting with a letter (at most 63)',
  );
export const routeId = entryId;

/** When a rotation runs: Secrets Manager's schedule syntax, which EventBridge Scheduler reads too. */
export const schedule = z
  .strictObject({
    /** `rate(30 days)`, `rate(12 hours)` or `cron(0 4 ? * SUN *)` (UTC), as Secrets Manager takes them. */
    expression: z.string(),
    /** How long the rotation window stays open after it starts, 1h to 24h. */
    window: z.optional(z.string()),
  })
  .superRefine((s, ctx) => {
    try {
      validateRotationRules({ ScheduleExpression: s.expression, Duration: s.window });
    } catch (error) {
      if (!(error instanceof ScheduleExpressionError)) throw error;
      ctx.addIssue({
        code: 'custom',
        path: [error.field === 'Duration' ? 'window' : 'expression'],
        message: error.message,
      });
    }
  });

/** The user's own tags; `aws:` and `keyturn:` keys are reserved. */
export const tags = z.record(
  z
    .string()
    .min(1)
    .max(128)
    .regex(TAG_TEXT, TAG_TEXT_MESSAGE)
    .refine((k) => !/^(aws|keyturn):/i.test(k), {
      message: 'the aws: and keyturn: prefixes are reserved',
    }),
  z.string().max(256).regex(TAG_TEXT, TAG_TEXT_MESSAGE),
);

/** Who owns an entry: the team (a tag), how to reach it. */
export const owner = z.strictObject({
  team: z.string().min(1).max(128).regex(TAG_TEXT, TAG_TEXT_MESSAGE),
  contact: z.optional(z.email()),
  /** The only principal allowed to delete the secret (a resource policy denies everyone else). */
  roleArn: z.optional(z.string().regex(IAM_ROLE_ARN, 'must be an IAM role ARN')),
});
