import { z } from 'zod';
import { InvalidRotationEventError, UnknownRotationStepError } from './errors';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

const rotationEventSchema = z.object({
  Step: z.string(),
  SecretId: z.string().min(1).max(2048),
  // AWS accepts 32 to 64 characters; the SDKs send a UUID.
  ClientRequestToken: z.string().min(32).max(64),
  RotationToken: z.string().optional(),
});

export interface RotationEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken?: string;
}

function isRotationStep(step: string): step is RotationStep {
  return (ROTATION_STEPS as readonly string[]).includes(step);
}

/** Validates what Secrets Manager sends; the message names the fields at fault, never their values. */
export function parseRotationEvent(input: unknown): RotationEvent {
  const result = rotationEventSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`);
    throw new InvalidRotationEventError(`not a Secrets Manager rotation event (${problems.join('; ')})`);
  }
  const { Step } = result.data;
  if (!isRotationStep(Step)) {
    throw new UnknownRotationStepError(
      `unknown rotation step "${Step.slice(0, 40)}": expected one of ${ROTATION_STEPS.join(', ')}`,
    );
  }
  return { ...result.data, Step };
}
