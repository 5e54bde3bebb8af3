import * as z from 'zod/mini';
import { ECS_NAME, LAMBDA_FUNCTION_NAME } from '../shared/consumer-refresh';

/** A consumer as pre-flight's settings carry it: the names checked as its tag's are. */
const targetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event') }),
  z.object({
    kind: z.literal('ecs-service'),
    cluster: z.string().check(z.regex(ECS_NAME)),
    service: z.string().check(z.regex(ECS_NAME)),
  }),
  z.object({ kind: z.literal('lambda-function'), functionName: z.string().check(z.regex(LAMBDA_FUNCTION_NAME)) }),
]);
const consumerSchema = z.object({ name: z.string().check(z.minLength(1), z.maxLength(256)), target: targetSchema });

const wholeNumber = z.int().check(z.nonnegative());

/** Pre-flight's `settings.consumers` (optional: a secret without consumers has none). */
export const consumerSettingsSchema = z.object({
  consumers: z.array(consumerSchema).check(z.maxLength(64)),
  refreshCount: wholeNumber,
  cacheSeconds: wholeNumber,
  declaredGraceSeconds: z.optional(wholeNumber),
});
