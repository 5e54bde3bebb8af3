import type { SecretHistory } from '../history';
import type { Colors } from './colors';
import { outcomeColor } from './run';
import { formatTime } from './time';

export function historyDocument(history: SecretHistory): object {
  return { command: 'history', ...history, auditNote: history.auditNote ?? null };
}

export function historyLines(history: SecretHistory, colors: Colors): string[] {
  const lines = [colors.bold(`${history.secretName}: ${history.rotations.length} rotation(s), newest first`)];
  for (const r of history.rotations) {
    const kind = r.emergency ? colors.red('emergency') : (r.trigger ?? '?');
    lines.push(
      `  ${formatTime(r.startedAt)}  ${outcomeColor(r.outcome, colors)(r.outcome.padEnd(11))}  ${kind}` +
        (r.error === undefined ? '' : `  ${r.error}`),
    );
    if (r.executionArn !== undefined) lines.push(colors.dim(`      ${r.executionArn}`));
    if (r.events.length > 0) lines.push(colors.dim(`      ${r.events.join(' → ')}`));
  }
  if (history.auditNote !== undefined) lines.push(colors.dim(`  (${history.auditNote})`));
  return lines;
}
