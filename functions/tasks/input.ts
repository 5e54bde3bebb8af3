import * as z from 'zod/mini';
import { describeIssues } from '../shared/validation';
import { InvalidTaskInputError } from './errors';
import type { DrainInput } from './drain';
import type { PreflightInput } from './preflight';
import type { RevokeInput } from './revoke';
import type { RollbackInput } from './rollback';
import type { VerifyInput } from './verify';

const secretArn = z.string().check(z.minLength(1), z.maxLength(2048));
// Secrets Manager version ids are the rotation tokens: 32 to 64 characters.
const versionId = z.string().check(z.minLength(32), z.maxLength(64));

const preflightSchema = z.object({ secretArn });
const afterRotationSchema = z.object({ secretArn, previousVersionId: versionId });
const revokeSchema = z.object({ secretArn, previousVersionId: versionId, terminateSessions: z.optional(z.boolean()) });

function parse<T>(schema: z.ZodMiniType<T>, input: unknown, task: string): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidTaskInputError(`invalid ${task} input (${describeIssues(result.error.issues, 'input')})`);
  }
  return result.data;
}

/** Each task's input as the state machine sends it; unknown fields are dropped. Messages never quote values. */
export const parseTaskInput = {
  preflight: (input: unknown): PreflightInput => parse(preflightSchema, input, 'preflight'),
  verify: (input: unknown): VerifyInput => parse(afterRotationSchema, input, 'verify'),
  drain: (input: unknown): DrainInput => parse(afterRotationSchema, input, 'drain'),
  revoke: (input: unknown): RevokeInput => parse(revokeSchema, input, 'revoke'),
  rollback: (input: unknown): RollbackInput => parse(afterRotationSchema, input, 'rollback'),
};
