import * as z from 'zod/mini';
import { describeIssues } from '../shared/validation';
import { InvalidRotationEventError, UnknownRotationStepError } from './errors';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

const rotationEventSchema = z.object({
  Step: z.string(),
  SecretId: z.string().check(z.minLength(1), z.maxLength(2048)),
  // AWS accepts 32 to 64 characters; the SDKs send a UUID.
  ClientRequestToken: z.string().check(z.minLength(32), z.maxLength(64)),
  RotationToken: z.optional(z.string()),
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
    throw new InvalidRotationEventError(
      `not a Secrets Manager rotation event (${describeIssues(result.error.issues, 'event')})`,
    );
  }
  const { Step } = result.data;
  if (!isRotationStep(Step)) {
    throw new UnknownRotationStepError(
      `unknown rotation step "${Step.slice(0, 40)}": expected one of ${ROTATION_STEPS.join(', ')}`,
    );
  }
  return { ...result.data, Step };
}
