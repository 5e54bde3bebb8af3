import type { CancelResult } from '../cancel';
import type { Colors } from './colors';

export function cancelLines(result: CancelResult, colors: Colors): string[] {
  const head = result.stopped
    ? colors.yellow(`stopped ${result.executionArn}`)
    : `not running (${result.status}): ${result.executionArn}`;
  return [
    head,
    `  stopped in:  ${result.lastState ?? 'unknown state'}`,
    `  leaves:      ${result.advice.leaves}`,
    `  check:       ${result.advice.check}`,
    ...(result.stuckPending === undefined
      ? []
      : [colors.yellow(`  AWSPENDING on version ${result.stuckPending.versionId}: ${result.stuckPending.resolution}`)]),
  ];
}
