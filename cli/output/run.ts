import type { DryRunPlan } from '../../functions/shared/lifecycle-contract';
import type { StateEntered } from '../executions/follow';
import type { RunOutcome } from '../executions/outcome';
import type { Colors } from './colors';
import { formatTime } from './time';

/** `rotate`'s and `emergency`'s --json document. */
export interface RunDocument {
  readonly command: 'rotate' | 'emergency';
  readonly secretArn: string;
  readonly executionArn: string;
  readonly stateMachine: 'lifecycle' | 'emergency';
  readonly dryRun: boolean;
  /** The execution's status when the command returned (RUNNING when it stopped following at a long wait). */
  readonly status: string;
  readonly outcome: RunOutcome;
  /** The states entered while following, in order. */
  readonly states: readonly string[];
  /** RUNNING: the long wait the run is in. */
  readonly waitingIn?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly plan?: DryRunPlan;
  /** How to follow or inspect the run from here. */
  readonly next: string;
}

/** One line per state entered: `17:04:11  Grace (wait 900 s)`. */
export function stateLine(state: StateEntered, colors: Colors): string {
  const time = formatTime(state.at).slice(11, 19);
  const wait = state.waitSeconds === undefined ? '' : colors.dim(` (wait ${state.waitSeconds} s)`);
  const name =
    state.type === 'Fail' ? colors.red(state.name) : state.type === 'Succeed' ? colors.green(state.name) : state.name;
  return `${colors.dim(time)}  ${name}${wait}`;
}

const OUTCOME_TEXT: Readonly<Record<RunOutcome, string>> = {
  rotated: 'rotated: the new credential is AWSCURRENT and verified, the old one revoked',
  'left-in-use': 'rotated, but the old credential was left working: clients still use it (the owners were alerted)',
  skipped: 'not rotated: a policy rule said not now',
  planned: 'dry run: nothing was changed',
  failed: 'failed',
  stopped: 'stopped',
  running: 'still running',
};

export function outcomeColor(outcome: RunOutcome | 'unknown', colors: Colors): (text: string) => string {
  switch (outcome) {
    case 'rotated':
    case 'planned':
      return colors.green;
    case 'left-in-use':
    case 'skipped':
    case 'running':
      return colors.yellow;
    case 'failed':
    case 'stopped':
      return colors.red;
    default:
      return (text) => text;
  }
}

/** The plan of a dry run, as lines. */
export function planLines(plan: DryRunPlan): string[] {
  const s = plan.settings;
  return [
    `secret:     ${plan.secretArn}`,
    ...(plan.entryId === undefined ? [] : [`entry:      ${plan.entryId}`]),
    `strategy:   ${plan.strategy}${plan.emergency ? ' (emergency)' : ''}`,
    `current:    version ${plan.currentVersionId}, ${plan.currentCredentialAuthenticates ? 'authenticates' : 'does NOT authenticate'}`,
    `settings:   grace ${s.graceSeconds} s, min interval ${s.minIntervalSeconds} s, drain up to ${s.revocation.maxWaitSeconds} s then ${s.revocation.whenStillInUse}` +
      (s.revocation.terminateSessions ? ', sessions terminated' : ''),
    'steps:',
    ...plan.steps.map((step, i) => `  ${i + 1}. ${step}`),
  ];
}

/** The text result of a run. */
export function runResultLines(doc: RunDocument, colors: Colors): string[] {
  const color = outcomeColor(doc.outcome, colors);
  if (doc.outcome === 'running')
    return [
      color(`the run continues in ${doc.waitingIn ?? 'the background'}`),
      `  execution ${doc.executionArn}`,
      `  follow it: ${doc.next}`,
    ];
  const lines = [color(OUTCOME_TEXT[doc.outcome])];
  if (doc.plan !== undefined) lines.push(...planLines(doc.plan));
  if (doc.error !== undefined) lines.push(`  error: ${doc.error}`);
  if (doc.cause !== undefined) lines.push(`  cause: ${doc.cause}`);
  lines.push(`  execution ${doc.executionArn}`);
  return lines;
}
