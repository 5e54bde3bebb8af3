import type { SecretStatus } from '../status';
import type { Colors } from './colors';
import { outcomeColor } from './run';
import { formatTime } from './time';

/** `status`'s --json document: the status, plus the command name. Dates are ISO 8601 strings. */
export function statusDocument(status: SecretStatus): object {
  const { secret } = status;
  return {
    command: 'status',
    secret: {
      arn: secret.arn,
      name: secret.name,
      rotationEnabled: secret.rotationEnabled,
      lastRotatedDate: secret.lastRotatedDate ?? null,
      nextRotationDate: secret.nextRotationDate ?? null,
    },
    versions: status.versions,
    stuckPending: status.stuckPending ?? null,
    canary: status.canary ?? null,
    lastRun: status.lastRun ?? null,
    lastRunEvents: status.lastRunEvents,
    oldCredentialInUse: status.oldCredentialInUse ?? null,
    auditNote: status.auditNote ?? null,
    findings: status.findings,
  };
}

export function statusLines(status: SecretStatus, colors: Colors): string[] {
  const { secret, lastRun } = status;
  const lines = [
    colors.bold(secret.name),
    `  arn:            ${secret.arn}`,
    `  rotation:       ${secret.rotationEnabled ? 'enabled' : colors.yellow('not enabled')}`,
    `  last rotated:   ${formatTime(secret.lastRotatedDate)}`,
    `  next rotation:  ${formatTime(secret.nextRotationDate)}`,
    '  versions:',
    ...status.versions.map(
      (v) =>
        `    ${v.versionId}  ${v.stages.length === 0 ? colors.dim('(no label)') : v.stages.join(', ')}  ${colors.dim(formatTime(v.createdDate))}`,
    ),
  ];
  if (lastRun === undefined) lines.push('  last run:       none found');
  else {
    lines.push(
      `  last run:       ${outcomeColor(lastRun.outcome, colors)(lastRun.outcome)} (${lastRun.stateMachine}, ${lastRun.trigger ?? '?'}) ` +
        `${formatTime(lastRun.startDate)} → ${formatTime(lastRun.stopDate)}`,
      `                  ${lastRun.executionArn}`,
    );
    if (lastRun.error !== undefined) lines.push(`                  error: ${lastRun.error}`);
  }
  if (status.lastRunEvents.length > 0) {
    lines.push('  audit events:');
    for (const e of status.lastRunEvents) lines.push(`    ${colors.dim(formatTime(e.time))}  ${e.type}`);
  }
  if (status.auditNote !== undefined) lines.push(colors.dim(`  (${status.auditNote})`));
  lines.push(
    `  old credential: ${status.oldCredentialInUse === undefined ? 'unknown' : status.oldCredentialInUse ? colors.yellow('left in use') : 'revoked'}`,
  );
  if (status.findings.length === 0) lines.push(colors.green('  no findings'));
  else lines.push(colors.yellow('  findings:'), ...status.findings.map((f) => colors.yellow(`    - ${f}`)));
  return lines;
}
