import type { LifecycleRequest } from '../shared/lifecycle-contract';

/**
 * What the fleet state machine (`statemachines/fleet.asl.json`) and its two task functions
 * (select, summarize) agree on. The state machine only moves these objects between states and
 * branches on the flags of {@link FleetProgress}; every decision is made here, in code.
 */

/** Which secrets to rotate: exactly one of the two. */
export interface FleetSelection {
  /** Every keyturn-managed secret with rotation enabled that carries all of these tags (exact values). */
  readonly tags?: Readonly<Record<string, string>>;
  /** These secrets (full ARNs), in this order, duplicates dropped. */
  readonly secretArns?: readonly string[];
}

/** The fleet state machine's execution input. */
export interface FleetRequest {
  readonly selection: FleetSelection;
  /**
   * Lifecycle executions at once (1 to {@link MAX_FLEET_CONCURRENCY}). @default {@link DEFAULT_FLEET_CONCURRENCY}
   */
  readonly maxConcurrency?: number;
  /** Failed rotations (percent of the selection) the fleet execution tolerates before failing. @default 0 */
  readonly toleratedFailurePercentage?: number;
  /** Where the fleet's alert (and each lifecycle's) goes; the functions' default topic when absent. */
  readonly alertTopicArn?: string;
  /** Why (free text, value-free): carried to every lifecycle execution and audit event. */
  readonly reason?: string;
  /**
   * Select as usual, run every lifecycle as a dry run (begin and pre-flight only), and end with a
   * {@link FleetDryRunSummary}: nothing changes, no audit event, no alert, never a tolerance failure.
   */
  readonly dryRun?: boolean;
  /** Set by the fleet state machine itself when it continues in a new execution. */
  readonly continuation?: FleetContinuation;
}

/**
 * Secrets per page at most: one select call, one Map state, one summarize call. Large pages keep the
 * Map busy (each page ends waiting for its slowest lifecycle, with fewer than MaxConcurrency running).
 */
export const FLEET_PAGE_SIZE = 250;

/**
 * What a page may add to the state, estimated as {@link pageItemBytes} per secret (its ARN in the items
 * and in its outcome, with the lifecycle's execution ARN): with the request (at most
 * {@link MAX_EXPLICIT_SECRETS_BYTES}) the state stays well under Step Functions' 256 KB payload limit,
 * whose excess (States.DataLimitExceeded) no Catch can handle.
 */
export const FLEET_PAGE_BUDGET_BYTES = 96 * 1024;

/** A page item's estimated share of the state: its ARN twice, and an outcome's other fields. */
export function pageItemBytes(secretArn: string): number {
  return 2 * Buffer.byteLength(secretArn) + 200;
}

/**
 * Pages one fleet execution runs before it continues in a new one. An inline Map iteration adds
 * about 12 events to the execution history (hard limit 25,000): 6 pages of at most 250 is ~18,000.
 */
export const MAX_PAGES_PER_EXECUTION = 6;

/** An explicit list rides in the execution input through every state: at most this many ARNs... */
export const MAX_EXPLICIT_SECRETS = 1000;

/** ...and this many bytes of them. */
export const MAX_EXPLICIT_SECRETS_BYTES = 96 * 1024;

/** An inline Map state runs at most 40 iterations at once (a Step Functions limit). */
export const INLINE_MAP_CONCURRENCY = 40;

/**
 * Lifecycle executions at once, at most: a page runs in chunks side by side, each an inline Map of at
 * most {@link INLINE_MAP_CONCURRENCY}, and no page holds more than {@link FLEET_PAGE_SIZE}.
 */
export const MAX_FLEET_CONCURRENCY = FLEET_PAGE_SIZE;

/**
 * Lifecycle executions at once by default: one inline Map at full width. Secrets Manager's shared
 * write quota (50 requests/s for PutSecretValue + UpdateSecret + UpdateSecretVersionStage) allows
 * 50 ÷ 3 writes ≈ 16 rotations/s, and a rotation writes only in its first seconds (RotateSecret to
 * finishSecret; verify, grace and drain only read). 40 at once that start together write 120 times
 * within a couple of seconds: the throttling that follows is absorbed by the rotation function's
 * short, jittered retries (functions/shared/throttling-retry.ts) and the lifecycle's RotateSecret
 * Retry. Locally, with waits compressed, 40 keeps the quota busy (bench/fleet.ts: fraction ~0.85);
 * more only adds throttling and polling. On AWS a lifecycle lasts at least its grace window, so a
 * large fleet goes faster with a higher `maxConcurrency` (up to 250): the quota still holds, as
 * only the rotations' first seconds write.
 */
export const DEFAULT_FLEET_CONCURRENCY = INLINE_MAP_CONCURRENCY;

/** How one secret's lifecycle ended, as one Map iteration reports it (kept tiny: it lands in the page's state). */
export interface FleetOutcome {
  readonly secretArn: string;
  readonly status: FleetOutcomeStatus;
  /** The lifecycle execution (absent when it could not be started). */
  readonly executionArn?: string;
  /** `failed`: the error name (the lifecycle's own when it ran and failed; in a dry run, its refusal). */
  readonly error?: string;
  /** `skipped`: the policy rule's error name (RotationWindowClosedError, BlackoutPeriodError, MinimumIntervalError). */
  readonly reason?: string;
}

/**
 * `rotated`: new credential verified, old one revoked. `left-in-use`: rotated and verified, the old
 * credential left working because clients still use it (as the policy says). `skipped`: a policy rule
 * kept the rotation from starting. `failed`: anything else (the lifecycle has reported and alerted it;
 * in a dry run, begin or pre-flight refused it and nothing was reported). `would-rotate`: a dry run's
 * pre-flight passed.
 */
export const FLEET_OUTCOME_STATUSES = ['rotated', 'left-in-use', 'skipped', 'failed', 'would-rotate'] as const;
export type FleetOutcomeStatus = (typeof FLEET_OUTCOME_STATUSES)[number];

/** Counts of the whole fleet run (across the executions it continued in). */
export interface FleetTotals {
  /** Secrets a lifecycle execution was started (or tried) for. */
  readonly selected: number;
  /** Rotated and verified (`rotated` and `left-in-use`). */
  readonly succeeded: number;
  /** Of the succeeded, those whose old credential was left in use. */
  readonly leftInUse: number;
  /** Not rotated because a policy rule said not now. */
  readonly skipped: number;
  readonly failed: number;
  /** Secrets the tag selection matched but left out (rotation not enabled). */
  readonly excluded: number;
  /** A dry run's secrets whose pre-flight passed (0 in a real run). */
  readonly wouldRotate: number;
}

/** Where a fleet run stands; carried from page to page and into a continued execution. */
export interface FleetContinuation extends FleetTotals {
  /** The fleet run's first execution: its id in audit events and alerts. */
  readonly fleetId: string;
  /** Pages done by the whole fleet run. */
  readonly pages: number;
  /** Where the next page starts. */
  readonly nextToken: string | null;
  /** The first failures (at most {@link FAILED_SAMPLE_SIZE}), for the alert; in a dry run, refusals and skips. */
  readonly failedSample: readonly FleetOutcome[];
}

export const FAILED_SAMPLE_SIZE = 20;

/** Summarize's answer after each page: the state machine branches on the three flags. */
export interface FleetProgress extends FleetContinuation {
  /** Pages done by this execution. */
  readonly pagesThisExecution: number;
  /** The selection is exhausted. */
  readonly done: boolean;
  /** Not done, and this execution has run {@link MAX_PAGES_PER_EXECUTION} pages: continue in a new one. */
  readonly continueAsNew: boolean;
  /** Done, with more failures than tolerated: the execution fails with `verdict`. */
  readonly toleranceExceeded: boolean;
  /** The request with `continuation` set, for the next execution (when continueAsNew). */
  readonly continuation?: FleetRequest;
  /** The Fail state's Error and Cause (when toleranceExceeded). */
  readonly verdict?: { readonly error: string; readonly cause: string };
  /** The fleet execution's output (when done). */
  readonly summary?: FleetSummary | FleetDryRunSummary;
}

/** A fleet run's output (state `FleetRotated`). */
export interface FleetSummary extends Omit<FleetTotals, 'wouldRotate'> {
  readonly fleetId: string;
  readonly pages: number;
  /** Failed as a percentage of selected (0 when nothing was selected). */
  readonly failurePercentage: number;
  readonly toleratedFailurePercentage: number;
}

/**
 * A dry fleet run's output (state `FleetDryRunComplete`; a dry run always succeeds once selected):
 * what a real run with the same request would do now. Nothing changed, nothing was recorded.
 */
export interface FleetDryRunSummary {
  readonly dryRun: true;
  readonly fleetId: string;
  readonly pages: number;
  readonly selected: number;
  /** Pre-flight passed: a real run would rotate them. */
  readonly wouldRotate: number;
  /** A policy rule (window, blackout, minimum interval) would skip them now. */
  readonly wouldSkip: number;
  /** Begin or pre-flight refused them: a real run would fail them (and alert). */
  readonly refused: number;
  /** Secrets the tag selection matched but left out (rotation not enabled). */
  readonly excluded: number;
  /**
   * The first refusals and skips (at most {@link FAILED_SAMPLE_SIZE}): `failed` with the error name,
   * `skipped` with the rule; each names its dry lifecycle execution, whose cause says more.
   */
  readonly refusals: readonly FleetOutcome[];
  /** Refused as a percentage of selected. */
  readonly refusedPercentage: number;
  readonly toleratedFailurePercentage: number;
  /** Whether a real run's failures would exceed the tolerated percentage. */
  readonly wouldExceedTolerance: boolean;
}

/** One page to rotate: select's answer. */
export interface FleetPage {
  /** Where the next page starts; null when this is the last. */
  readonly nextToken: string | null;
  /** Secrets matched but left out (rotation not enabled). */
  readonly excluded: number;
  /** Every lifecycle execution's input but its secretArn (the Map merges the two). */
  readonly lifecycleInput: Omit<LifecycleRequest, 'secretArn'>;
  /** The page's secret ARNs in chunks that rotate side by side (at most FLEET_PAGE_SIZE in all). */
  readonly chunks: readonly (readonly string[])[];
  /** Lifecycle executions at once within each chunk (at most INLINE_MAP_CONCURRENCY). */
  readonly chunkConcurrency: number;
}

/** `detail-type` of the fleet's audit events (source `keyturn.rotation`). */
export const FleetAuditEventType = {
  /** One page rotated: every secret's outcome. */
  PageRotated: 'FleetPageRotated',
  /** The fleet run ended: totals and whether the failures stayed within tolerance. */
  Completed: 'FleetRotationCompleted',
} as const;
