import type { PreflightVerdict } from '../fleet/dry-run';
import type { FleetEnd } from '../fleet/watch';
import type { Colors } from './colors';

export interface FleetDocument {
  readonly command: 'fleet';
  readonly dryRun: boolean;
  /** The secrets selected (dry run), or how many (a run). */
  readonly selected: number;
  readonly excluded: number;
  readonly secretArns?: readonly string[];
  /** A dry run: each secret's pre-flight. */
  readonly preflight?: readonly PreflightVerdict[];
  readonly executionArns?: readonly string[];
  readonly status?: string;
  readonly counts?: FleetEnd['counts'];
  readonly summary?: FleetEnd['summary'];
  readonly error?: string;
  readonly cause?: string;
}

export function fleetResultLines(doc: FleetDocument, colors: Colors): string[] {
  if (doc.dryRun) {
    const refused = (doc.preflight ?? []).filter((v) => v.verdict === 'refused');
    return [
      `dry run: ${doc.selected} secret(s) selected${doc.excluded > 0 ? `, ${doc.excluded} matched but rotation not enabled` : ''}; ` +
        `pre-flight would refuse ${refused.length}`,
      ...refused.map((v) => colors.yellow(`  refused: ${v.secretArn} (${v.error ?? '?'})`)),
      colors.green('nothing was changed'),
    ];
  }
  const c = doc.counts;
  const totals =
    doc.summary !== undefined
      ? `selected ${doc.summary.selected}, rotated ${doc.summary.succeeded - doc.summary.leftInUse}, left in use ${doc.summary.leftInUse}, skipped ${doc.summary.skipped}, failed ${doc.summary.failed} (${doc.summary.failurePercentage}% of ${doc.summary.toleratedFailurePercentage}% tolerated)`
      : c === undefined
        ? ''
        : `rotated ${c.rotated}, left in use ${c.leftInUse}, skipped ${c.skipped}, failed ${c.failed}`;
  const head =
    doc.status === 'SUCCEEDED'
      ? (doc.counts?.failed ?? 0) + (doc.counts?.leftInUse ?? 0) > 0
        ? colors.yellow('fleet rotated, with findings')
        : colors.green('fleet rotated')
      : colors.red(`fleet ${doc.status?.toLowerCase() ?? 'ended'}`);
  return [
    head,
    `  ${totals}`,
    ...(doc.error === undefined ? [] : [`  error: ${doc.error}`]),
    ...(doc.cause === undefined ? [] : [`  cause: ${doc.cause}`]),
    ...(doc.executionArns ?? []).map((arn) => `  execution ${arn}`),
  ];
}
