import type { FleetDryRunSummary, FleetSummary } from '../../functions/fleet/contract';
import type { FleetEnd } from '../fleet/watch';
import type { Colors } from './colors';

/** `fleet`'s --json document. */
export interface FleetDocument {
  readonly command: 'fleet';
  readonly dryRun: boolean;
  /** Secrets the selection picked, as the CLI previewed them before the start. */
  readonly selected: number;
  /** Matched by the tags but left out (rotation not enabled). */
  readonly excluded: number;
  /** The fleet run's executions: the first, then those it continued in. */
  readonly executionArns: readonly string[];
  readonly status: string;
  /** Counted from the fleet's lifecycle executions. */
  readonly counts: FleetEnd['counts'];
  /** The fleet's own output: its totals, or (a dry run) what a real run would do. */
  readonly summary?: FleetSummary | FleetDryRunSummary;
  readonly error?: string;
  readonly cause?: string;
}

function isDryRunSummary(summary: FleetSummary | FleetDryRunSummary): summary is FleetDryRunSummary {
  return 'dryRun' in summary;
}

function totalsLine(doc: FleetDocument): string {
  const s = doc.summary;
  if (s !== undefined && isDryRunSummary(s))
    return (
      `selected ${s.selected}: would rotate ${s.wouldRotate}, would skip ${s.wouldSkip}, refused ${s.refused} ` +
      `(${s.refusedPercentage}% of ${s.toleratedFailurePercentage}% tolerated${s.wouldExceedTolerance ? ': a real run would fail' : ''})`
    );
  if (s !== undefined)
    return (
      `selected ${s.selected}: rotated ${s.succeeded - s.leftInUse}, left in use ${s.leftInUse}, skipped ${s.skipped}, ` +
      `failed ${s.failed} (${s.failurePercentage}% of ${s.toleratedFailurePercentage}% tolerated)`
    );
  const c = doc.counts;
  return `rotated ${c.rotated}, left in use ${c.leftInUse}, skipped ${c.skipped}, failed ${c.failed}`;
}

/** Whether a finished fleet run has findings: failures within tolerance, old credentials left in use, refusals. */
export function fleetHasFindings(doc: FleetDocument): boolean {
  const s = doc.summary;
  if (s !== undefined && isDryRunSummary(s)) return s.refused + s.wouldSkip > 0;
  if (s !== undefined) return s.failed + s.leftInUse > 0;
  return doc.counts.failed + doc.counts.leftInUse > 0;
}

export function fleetResultLines(doc: FleetDocument, colors: Colors): string[] {
  const what = doc.dryRun ? 'fleet dry run' : 'fleet';
  const head =
    doc.status === 'SUCCEEDED'
      ? fleetHasFindings(doc)
        ? colors.yellow(`${what} done, with findings`)
        : colors.green(`${what} done`)
      : colors.red(`${what} ${doc.status.toLowerCase()}`);
  const s = doc.summary;
  const refusals =
    s !== undefined && isDryRunSummary(s)
      ? s.refusals.map((o) =>
          colors.yellow(
            `  ${o.status === 'skipped' ? 'would skip' : 'refused'}: ${o.secretArn} (${o.error ?? o.reason ?? '?'})`,
          ),
        )
      : [];
  return [
    head,
    `  ${totalsLine(doc)}`,
    ...refusals,
    ...(doc.error === undefined ? [] : [`  error: ${doc.error}`]),
    ...(doc.cause === undefined ? [] : [`  cause: ${doc.cause}`]),
    ...doc.executionArns.map((arn) => `  execution ${arn}`),
    ...(doc.dryRun ? [colors.green('  nothing was changed')] : []),
  ];
}
