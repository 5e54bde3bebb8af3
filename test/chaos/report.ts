import { INVARIANTS, type Invariant } from './invariants';
import { OUTPUT_SOURCES, type OutputSource } from './outputs';
import type { ScenarioResult } from './runner';
import { describeScenario, SCENARIO_KINDS, type Scenario, type ScenarioKind } from './scenario';
import type { SelfTestOutcome } from './suite';

/**
 * What a run tells people: each violation as it is found (with the command that replays it), a
 * table per kind at the end, the distinct problems, and one JSON line for `npm run bench`.
 */

export interface KindTotals {
  scenarios: number;
  recovered: number;
  faultsFired: number;
  faultsPlanned: number;
  violating: number;
}

export interface Summary {
  readonly seed: string;
  readonly scenarios: number;
  readonly seconds: number;
  /** Scenarios with at least one violation of each invariant. */
  readonly scenariosViolating: Readonly<Record<Invariant, number>>;
  /** Versions that once held AWSCURRENT and were lost, over the run. */
  readonly lostVersions: number;
  /** Scenarios where no rotation succeeded after the faults were lifted. */
  readonly incomplete: number;
  /** Clean warm-up rotations (before any fault) that failed. */
  readonly warmupFailures: number;
  /** Scenarios the harness could not run (a setup or server failure: they prove nothing). */
  readonly harnessErrors: number;
  readonly faultsPlanned: number;
  readonly faultsFired: number;
  readonly byKind: Readonly<Record<ScenarioKind, KindTotals>>;
  /** Characters of output the leak check read, per source, over the run. */
  readonly outputSizes: Readonly<Record<OutputSource, number>>;
  /** How lifecycle executions ended: status, and the error of a failed one. */
  readonly lifecycleEnds: Readonly<Record<string, number>>;
}

export function summarize(seed: string, results: readonly ScenarioResult[], seconds: number): Summary {
  const scenariosViolating = Object.fromEntries(INVARIANTS.map((invariant) => [invariant, 0])) as Record<
    Invariant,
    number
  >;
  const byKind = Object.fromEntries(
    SCENARIO_KINDS.map((kind) => [
      kind,
      { scenarios: 0, recovered: 0, faultsFired: 0, faultsPlanned: 0, violating: 0 },
    ]),
  ) as Record<ScenarioKind, KindTotals>;
  let lostVersions = 0;
  const lifecycleEnds: Record<string, number> = {};
  const outputSizes = Object.fromEntries(OUTPUT_SOURCES.map((source) => [source, 0])) as Record<OutputSource, number>;
  for (const result of results) {
    for (const source of OUTPUT_SOURCES) outputSizes[source] += result.outputSizes?.[source] ?? 0;
    if (result.lifecycle) {
      const end = `${result.lifecycle.status}${result.lifecycle.error ? ` ${result.lifecycle.error}` : ''}`;
      lifecycleEnds[end] = (lifecycleEnds[end] ?? 0) + 1;
    }
    for (const invariant of new Set(result.violations.map((violation) => violation.invariant))) {
      scenariosViolating[invariant] += 1;
    }
    lostVersions += result.violations.filter((violation) => violation.invariant === 'lost-version').length;
    const totals = byKind[result.scenario.kind];
    totals.scenarios += 1;
    totals.recovered += result.recovered ? 1 : 0;
    totals.faultsFired += result.faultsFired;
    totals.faultsPlanned += result.scenario.faults.length;
    totals.violating += result.violations.length > 0 ? 1 : 0;
  }
  return {
    seed,
    scenarios: results.length,
    seconds,
    scenariosViolating,
    lostVersions,
    incomplete: results.filter((result) => result.harnessError === undefined && !result.recovered).length,
    warmupFailures: results.filter((result) => result.warmupFailed !== undefined).length,
    harnessErrors: results.filter((result) => result.harnessError !== undefined).length,
    faultsPlanned: results.reduce((sum, result) => sum + result.scenario.faults.length, 0),
    faultsFired: results.reduce((sum, result) => sum + result.faultsFired, 0),
    byKind,
    outputSizes,
    lifecycleEnds,
  };
}

/** The bench keys (`chaos_lockouts`, `chaos_lost_versions` and `chaos_leaks` must be 0). */
export function benchFigures(summary: Summary): Record<string, number | string> {
  const v = summary.scenariosViolating;
  return {
    chaos_seed: summary.seed,
    chaos_scenarios: summary.scenarios,
    chaos_lockouts: v.lockout,
    chaos_lost_versions: summary.lostVersions,
    chaos_leaks: v.leak,
    chaos_pending_left: v['pending-left'],
    chaos_previous_wrong: v['previous-not-prior-current'],
    chaos_outages: v.outage,
    chaos_misleading_errors: v['misleading-error'],
    chaos_orphan_keys: v['orphan-key'],
    chaos_over_cap: v['over-cap'],
    chaos_rotation_limit: v['rotation-limit'],
    chaos_deleting_aliased_key: v['deleting-aliased-key'],
    chaos_canary_moved_current: v['canary-moved-current'],
    chaos_canary_promoted_other: v['canary-promoted-other'],
    chaos_canary_orphans: v['canary-orphan'],
    chaos_canary_left: v['canary-left'],
    chaos_revoked_while_replica_stale: v['revoked-while-replica-stale'],
    chaos_replica_half_moved: v['replica-half-moved'],
    chaos_incomplete: summary.incomplete,
    chaos_harness_errors: summary.harnessErrors,
    chaos_seconds: Math.round(summary.seconds),
  };
}

/** `npm run chaos -- ...` that replays one scenario. */
export function replayCommand(seed: string, number: number, kindsArgument: string | undefined): string {
  return `npm run chaos -- --seed ${seed} --only ${number}${kindsArgument ? ` --kinds ${kindsArgument}` : ''}`;
}

/** A scenario worth a look (a violation, a harness error, or a failed clean rotation), as lines to print. */
export function formatFinding(result: ScenarioResult, kindsArgument: string | undefined): string[] {
  const lines: string[] = [];
  const { scenario } = result;
  if (result.violations.length === 0 && !result.harnessError && !result.warmupFailed) return lines;
  lines.push(`✗ ${describeScenario(scenario)}`);
  for (const violation of result.violations) lines.push(`    ${violation.invariant}: ${violation.detail}`);
  if (result.warmupFailed) lines.push(`    the clean rotation before any fault failed: ${result.warmupFailed}`);
  if (result.harnessError) lines.push(`    harness error (proves nothing about keyturn): ${result.harnessError}`);
  lines.push(`    replay: ${replayCommand(scenario.seed, scenario.number, kindsArgument)}`);
  return lines;
}

/** Everything one scenario did, for a replay (`--only`). */
export function formatTrace(result: ScenarioResult): string[] {
  const lines = [
    describeScenario(result.scenario),
    `  faults that struck: ${result.faultsFired} of ${result.scenario.faults.length}`,
    ...(result.struckCalls ?? []).map((call) => `  crash struck the call ${call}`),
  ];
  for (const rotation of result.rotations) {
    lines.push(
      `  rotation ${rotation.token}: ${rotation.outcome}${rotation.failedStep ? ` at ${rotation.failedStep}` : ''}${rotation.errorName ? ` (${rotation.errorName})` : ''}`,
    );
  }
  for (const fix of result.handFixes ?? []) lines.push(`  operator: ${fix}`);
  for (const run of result.keyRuns ?? []) {
    lines.push(
      `  kms-key run ${run.name}: ${run.outcome ?? run.status}${run.failedStep ? ` at ${run.failedStep}` : ''}${run.errorName ? ` (${run.errorName})` : ''}: ${run.history.join(' > ')}`,
    );
  }
  if (result.lifecycle) {
    lines.push(
      `  lifecycle: ${result.lifecycle.status}${result.lifecycle.error ? ` (${result.lifecycle.error})` : ''}: ${result.lifecycle.history.join(' > ')}`,
    );
  }
  for (const rotation of result.recovery?.rotations ?? []) {
    lines.push(
      `  recovery rotation ${rotation.token}: ${rotation.outcome}${rotation.failedStep ? ` at ${rotation.failedStep}` : ''}${rotation.errorName ? ` (${rotation.errorName})` : ''}`,
    );
  }
  for (const run of result.runs ?? []) {
    lines.push(
      `  Secrets Manager run ${run.token}: ${run.outcome}${run.error ? ` at ${run.error}` : ''} (steps done: ${run.completedSteps.join(', ') || 'none'}${run.ms === undefined ? '' : `; ${run.ms} ms`})`,
    );
  }
  for (const error of result.errors ?? []) lines.push(`  error seen: ${error.slice(0, 400)}`);
  if (result.recovery?.handFixes) lines.push(`  operator hand fixes in recovery: ${result.recovery.handFixes}`);
  lines.push(
    result.violations.length === 0 ? '  invariants: all kept' : `  invariants broken: ${result.violations.length}`,
  );
  for (const violation of result.violations) lines.push(`    ${violation.invariant}: ${violation.detail}`);
  if (result.harnessError) lines.push(`  harness error: ${result.harnessError}`);
  lines.push(`  ${result.durationMs} ms`);
  return lines;
}

/**
 * Violations grouped into distinct problems: the same invariant, kind and failing rotation error
 * (version ids stripped), with the first few scenarios that show each.
 */
export function distinctProblems(results: readonly ScenarioResult[]): string[] {
  const groups = new Map<string, number[]>();
  for (const result of results) {
    const errors = [...(result.recovery?.rotations ?? []), ...result.rotations]
      .filter((rotation) => rotation.outcome !== 'succeeded' && rotation.errorName)
      .map((rotation) => `${rotation.failedStep ?? '?'}:${rotation.errorName ?? ''}`);
    for (const violation of result.violations) {
      const detail = violation.detail.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<version>');
      const key = `${violation.invariant} | ${kindOf(result.scenario)} | ${detail} | ${[...new Set(errors)].sort().join(', ') || 'no failed rotation'}`;
      const numbers = groups.get(key) ?? [];
      numbers.push(result.scenario.number);
      groups.set(key, numbers);
    }
  }
  return [...groups].map(
    ([key, numbers]) => `${key}: ${numbers.length} scenario(s), e.g. #${numbers.slice(0, 5).join(', #')}`,
  );
}

/** The kind as problems are grouped: a lifecycle's target, or a KMS key's kind of key, along with it. */
function kindOf(scenario: Scenario): string {
  if (scenario.kind === 'lifecycle') return `lifecycle/${scenario.target}`;
  if (scenario.kind === 'kms-key') return `kms-key/${scenario.key}`;
  return scenario.kind;
}

export function formatSummary(summary: Summary): string[] {
  const v = summary.scenariosViolating;
  const lines = [
    `chaos: seed ${summary.seed}: ${summary.scenarios} scenarios in ${Math.round(summary.seconds)} s; faults struck ${summary.faultsFired} of ${summary.faultsPlanned} planned`,
    '',
    '  kind                  scenarios  recovered  faults struck  with violations',
  ];
  for (const kind of SCENARIO_KINDS) {
    const totals = summary.byKind[kind];
    if (totals.scenarios === 0) continue;
    lines.push(
      `  ${kind.padEnd(20)} ${String(totals.scenarios).padStart(10)} ${String(totals.recovered).padStart(10)} ${`${totals.faultsFired}/${totals.faultsPlanned}`.padStart(14)} ${String(totals.violating).padStart(16)}`,
    );
  }
  lines.push(
    '',
    `  lockouts (AWSCURRENT or the alias does not work):   ${v.lockout}`,
    `  lost versions (once AWSCURRENT, or made, now gone): ${summary.lostVersions}`,
    `  leaks (a secret value in an output):                ${v.leak}`,
    `  AWSPENDING left on a non-current version:           ${v['pending-left']}`,
    `  AWSPREVIOUS not the prior AWSCURRENT:               ${v['previous-not-prior-current']}`,
    `  outages of zero-downtime kinds (before recovery):   ${v.outage}`,
    `  misleading or raw errors:                           ${v['misleading-error']}`,
    `  orphan keys at IAM, the provider or KMS:            ${v['orphan-key']}`,
    `  more keys than IAM or the provider allows:          ${v['over-cap']}`,
    `  KMS on-demand rotations past one a run or the limit: ${v['rotation-limit']}`,
    `  KMS key deletions scheduled for the alias's key:    ${v['deleting-aliased-key']}`,
    `  aborted canaries that moved or broke AWSCURRENT:    ${v['canary-moved-current']}`,
    `  promotions of another value than the canaried one:  ${v['canary-promoted-other']}`,
    `  canary candidates still authenticating (orphans):   ${v['canary-orphan']}`,
    `  canary labels or AWSPENDING left at the end:        ${v['canary-left']}`,
    `  credentials revoked while a replica served them:    ${v['revoked-while-replica-stale']}`,
    `  replica regions InSync with labels elsewhere:       ${v['replica-half-moved']}`,
    `  could not complete a rotation after the faults:     ${summary.incomplete}`,
    `  clean warm-up rotations that failed:                ${summary.warmupFailures}`,
    `  harness errors (scenarios that prove nothing):      ${summary.harnessErrors}`,
  );
  lines.push(
    `  outputs the leak check read: ${OUTPUT_SOURCES.map((source) => `${source} ${kilobytes(summary.outputSizes[source])}`).join(', ')}`,
  );
  const ends = Object.entries(summary.lifecycleEnds).sort(([, a], [, b]) => b - a);
  if (ends.length > 0) {
    lines.push(`  lifecycle executions ended: ${ends.map(([end, count]) => `${end} ${count}`).join(', ')}`);
  }
  return lines;
}

export function formatSelfTest(outcomes: readonly SelfTestOutcome[]): string[] {
  return outcomes.map(({ testCase, result, passed }) => {
    const on = testCase.target === 'kms-key' ? `kms-key/${testCase.key}` : testCase.target;
    const what = testCase.plant ? `planted ${testCase.plant} on ${on}` : `clean ${on}`;
    const seen = result.violations.map((violation) => violation.invariant).join(', ') || 'no violation';
    return `  ${passed ? 'ok  ' : 'FAIL'} ${what}: ${seen}${result.harnessError ? ` (harness error: ${result.harnessError})` : ''}`;
  });
}

function kilobytes(characters: number): string {
  return characters < 10_000 ? `${characters} chars` : `${Math.round(characters / 1000)} K chars`;
}
