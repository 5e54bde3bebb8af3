import * as z from 'zod/mini';
import { describeIssues } from '../shared/validation';
import {
  FLEET_OUTCOME_STATUSES,
  MAX_EXPLICIT_SECRETS,
  MAX_EXPLICIT_SECRETS_BYTES,
  MAX_FLEET_CONCURRENCY,
  type FleetContinuation,
  type FleetOutcome,
  type FleetRequest,
} from './contract';
import { InvalidFleetRequestError } from './errors';

/** A Secrets Manager secret ARN (any partition, region and account). */
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** A string matching `pattern`; the message (custom, so describeIssues uses it) says what it must be. */
const matching = (pattern: RegExp, what: string) => z.string().check(z.refine((value) => pattern.test(value), what));

const secretArn = matching(SECRET_ARN, 'must be a Secrets Manager secret ARN');
const executionArn = matching(EXECUTION_ARN, 'must be a Step Functions execution ARN');
const count = z.int().check(z.minimum(0));
// Tag keys and values as Secrets Manager allows them (1-128 and 0-256 characters).
const tags = z.record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256)));

const outcome = z.object({
  secretArn: z.string().check(z.minLength(1)),
  status: z.enum(FLEET_OUTCOME_STATUSES),
  executionArn: z.optional(z.string()),
  error: z.optional(z.string()),
  reason: z.optional(z.string()),
});

const continuation = z.object({
  fleetId: executionArn,
  pages: count,
  nextToken: z.nullable(z.string()),
  selected: count,
  succeeded: count,
  leftInUse: count,
  skipped: count,
  failed: count,
  excluded: count,
  // A continuation written before dry runs existed carries none.
  wouldRotate: z._default(count, 0),
  failedSample: z.array(outcome),
});

const request = z.object({
  selection: z.object({
    tags: z.optional(tags),
    secretArns: z.optional(
      z.array(secretArn).check(
        z.maxLength(MAX_EXPLICIT_SECRETS),
        z.refine(
          (arns) => arns.reduce((bytes, arn) => bytes + Buffer.byteLength(arn), 0) <= MAX_EXPLICIT_SECRETS_BYTES,
          `must hold at most ${MAX_EXPLICIT_SECRETS_BYTES / 1024} KB of ARNs (the state payload limit); select by tags instead`,
        ),
      ),
    ),
  }),
  maxConcurrency: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_FLEET_CONCURRENCY))),
  toleratedFailurePercentage: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
  alertTopicArn: z.optional(matching(SNS_TOPIC_ARN, 'must be an SNS topic ARN')),
  reason: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
  dryRun: z.optional(z.boolean()),
  continuation: z.optional(continuation),
});

/** The progress the state machine carries: `{}` before the first page of an execution. */
const progress = z.object({
  pagesThisExecution: z.optional(count),
  fleetId: z.optional(executionArn),
  pages: z.optional(count),
  nextToken: z.optional(z.nullable(z.string())),
  selected: z.optional(count),
  succeeded: z.optional(count),
  leftInUse: z.optional(count),
  skipped: z.optional(count),
  failed: z.optional(count),
  excluded: z.optional(count),
  wouldRotate: z.optional(count),
  failedSample: z.optional(z.array(outcome)),
});

const selectInput = z.object({ request, progress, fleetExecutionArn: executionArn });

const summarizeInput = z.object({
  request,
  progress,
  fleetExecutionArn: executionArn,
  page: z.object({ nextToken: z.nullable(z.string()), excluded: count }),
  // One array per chunk of the page.
  outcomes: z.array(z.array(outcome)).check(z.maxLength(1000)),
});

/** Where a fleet run stands before this page: carried progress, else the continuation, else the start. */
export interface CurrentProgress extends FleetContinuation {
  readonly pagesThisExecution: number;
}

export interface SelectInput {
  readonly request: FleetRequest;
  readonly progress: CurrentProgress;
  readonly fleetExecutionArn: string;
}

export interface SummarizeInput extends SelectInput {
  readonly page: { readonly nextToken: string | null; readonly excluded: number };
  readonly outcomes: readonly FleetOutcome[];
}

function parse<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidFleetRequestError(`invalid ${what} (${describeIssues(result.error.issues, 'input')})`);
  }
  return result.data;
}

/** Exactly one selection, and not an empty one: the two ways a fleet request is wrong beyond its types. */
function checkSelection(parsed: z.infer<typeof request>): void {
  const { tags: byTags, secretArns } = parsed.selection;
  if (byTags !== undefined && secretArns !== undefined) {
    throw new InvalidFleetRequestError('invalid fleet request (selection: give either tags or secretArns, not both)');
  }
  if (byTags === undefined && secretArns === undefined) {
    throw new InvalidFleetRequestError('invalid fleet request (selection: give tags or secretArns)');
  }
  if (byTags !== undefined && Object.keys(byTags).length === 0) {
    throw new InvalidFleetRequestError(
      'invalid fleet request (selection.tags: name at least one tag; to rotate every managed secret, tag them)',
    );
  }
}

function current(parsed: z.infer<typeof request>, carried: z.infer<typeof progress>, executionArnNow: string) {
  if (carried.pagesThisExecution !== undefined) {
    return {
      pagesThisExecution: carried.pagesThisExecution,
      fleetId: carried.fleetId ?? executionArnNow,
      pages: carried.pages ?? 0,
      nextToken: carried.nextToken ?? null,
      selected: carried.selected ?? 0,
      succeeded: carried.succeeded ?? 0,
      leftInUse: carried.leftInUse ?? 0,
      skipped: carried.skipped ?? 0,
      failed: carried.failed ?? 0,
      excluded: carried.excluded ?? 0,
      wouldRotate: carried.wouldRotate ?? 0,
      failedSample: carried.failedSample ?? [],
    };
  }
  const start = parsed.continuation ?? {
    fleetId: executionArnNow,
    pages: 0,
    nextToken: null,
    selected: 0,
    succeeded: 0,
    leftInUse: 0,
    skipped: 0,
    failed: 0,
    excluded: 0,
    wouldRotate: 0,
    failedSample: [],
  };
  return { ...start, pagesThisExecution: 0 };
}

/** Select's input as the fleet state machine sends it. Messages name fields, never values. */
export function parseSelectInput(input: unknown): SelectInput {
  const parsed = parse(selectInput, input, 'fleet request');
  checkSelection(parsed.request);
  return {
    request: parsed.request,
    progress: current(parsed.request, parsed.progress, parsed.fleetExecutionArn),
    fleetExecutionArn: parsed.fleetExecutionArn,
  };
}

/** Summarize's input as the fleet state machine sends it. */
export function parseSummarizeInput(input: unknown): SummarizeInput {
  const parsed = parse(summarizeInput, input, 'fleet summary input');
  checkSelection(parsed.request);
  return {
    request: parsed.request,
    progress: current(parsed.request, parsed.progress, parsed.fleetExecutionArn),
    fleetExecutionArn: parsed.fleetExecutionArn,
    page: parsed.page,
    outcomes: parsed.outcomes.flat(),
  };
}
