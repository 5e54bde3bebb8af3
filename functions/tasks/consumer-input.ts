import * as z from 'zod/mini';
import type { ConsumerSettings, RotationRun } from '../shared/lifecycle-contract';
import { consumerSettingsSchema } from './consumer-settings-schema';
import { parseRotationRun, parseWith } from './input';

// Secrets Manager version ids are the rotation tokens: 32 to 64 characters.
const versionId = z.string().check(z.minLength(32), z.maxLength(64));

const consumersTaskSchema = z.object({
  secretArn: z.string().check(z.minLength(1), z.maxLength(2048)),
  rotation: z.unknown(),
  /** The verified AWSCURRENT version (Verify's `currentVersionId`). */
  versionId,
  strategy: z.optional(z.string().check(z.maxLength(128))),
  settings: z.object({ consumers: z.optional(consumerSettingsSchema) }),
});

/** What the `notify` and `refresh-consumers` tasks are given: the run, the verified version and the consumers. */
export interface ConsumersTaskInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  readonly versionId: string;
  readonly strategy?: string;
  readonly consumers?: ConsumerSettings;
}

export function parseConsumersTaskInput(input: unknown, task: string): ConsumersTaskInput {
  const parsed = parseWith(consumersTaskSchema, input, task);
  const consumers = parsed.settings.consumers;
  return {
    secretArn: parsed.secretArn,
    rotation: parseRotationRun(parsed.rotation),
    versionId: parsed.versionId,
    ...(parsed.strategy !== undefined ? { strategy: parsed.strategy } : {}),
    ...(consumers !== undefined ? { consumers } : {}),
  };
}
