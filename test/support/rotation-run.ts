import { randomUUID } from 'node:crypto';
import type { RotationRun } from '../../functions/shared/lifecycle-contract';
import { LOCAL_ROTATION_FUNCTION_ARN } from '../../local/stack';

/** A run as the coordinator's `begin` would open it (a fresh rotation id each time). */
export function testRun(overrides: Partial<RotationRun> = {}): RotationRun {
  return {
    id: randomUUID(),
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:keyturn-lifecycle:test',
    startedAt: '2026-11-22T04:00:00.000Z',
    trigger: 'on-demand',
    emergency: false,
    functionArn: LOCAL_ROTATION_FUNCTION_ARN,
    drainWaited: { seconds: 0 },
    ...overrides,
  };
}
