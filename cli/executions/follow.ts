import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type DescribeExecutionOutput,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';

/** A state the execution entered, as its history tells it. */
export interface StateEntered {
  readonly name: string;
  /** Task, Wait, Choice, Pass, Succeed, Fail, Map, Parallel. */
  readonly type: string;
  readonly at: Date;
  /** A Wait state: how long it waits, when the history tells (its Seconds, or the lifecycle's grace). */
  readonly waitSeconds?: number;
}

export type FollowEnd =
  | { readonly kind: 'ended'; readonly execution: DescribeExecutionOutput }
  /** The execution is in a long wait (a grace window, a drain wait) and still running. */
  | { readonly kind: 'waiting'; readonly state: StateEntered; readonly execution: DescribeExecutionOutput };

export interface FollowOptions {
  /** Called once per state entered, in order. */
  readonly onState?: (state: StateEntered) => void;
  /**
   * Stop following (the run goes on) when it enters one of these Wait states for at least
   * `longWaitSeconds`, or for a time the history does not tell.
   */
  readonly stopAtWaits?: readonly string[];
  /** @default 60 */
  readonly longWaitSeconds?: number;
  /** Between polls of the history. @default 1000 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Lifecycle waits known by their input: Grace waits `$.preflight.settings.graceSeconds` (statemachines/lifecycle.asl.json). */
function waitSecondsOf(name: string, input: string | undefined): number | undefined {
  if (name === 'DrainWait') return 60;
  if (input === undefined) return undefined;
  try {
    const state = JSON.parse(input) as { preflight?: { settings?: { graceSeconds?: unknown } } };
    const grace = state.preflight?.settings?.graceSeconds;
    if (name === 'Grace' && typeof grace === 'number') return grace;
  } catch {
    // not JSON: the wait is unknown
  }
  return undefined;
}

const STATE_ENTERED = /^(\w+?)StateEntered$/;

/** The states entered among history events (a Map's inner states included, as AWS lists them). */
export function statesEntered(events: readonly HistoryEvent[]): StateEntered[] {
  return events.flatMap((event) => {
    const match = STATE_ENTERED.exec(event.type ?? '');
    const details = event.stateEnteredEventDetails;
    if (!match?.[1] || details?.name === undefined) return [];
    const type = match[1];
    const waitSeconds = type === 'Wait' ? waitSecondsOf(details.name, details.input) : undefined;
    return [
      {
        name: details.name,
        type,
        at: event.timestamp ?? new Date(0),
        ...(waitSeconds === undefined ? {} : { waitSeconds }),
      },
    ];
  });
}

/**
 * New history events since `afterId`: GetExecutionHistory pages through with nextToken; a finished
 * page sequence has no token, so each poll reads from the start and skips what it has seen.
 */
async function eventsAfter(client: SFNClient, executionArn: string, afterId: number): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true }),
    );
    for (const event of page.events ?? []) if ((event.id ?? 0) > afterId) fresh.push(event);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return fresh;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Follows an execution state by state until it ends, or until it enters a long wait (if asked to stop there). */
export async function followExecution(
  client: SFNClient,
  executionArn: string,
  options: FollowOptions = {},
): Promise<FollowEnd> {
  const sleep = options.sleep ?? defaultSleep;
  const longWait = options.longWaitSeconds ?? 60;
  let lastId = 0;
  let current: StateEntered | undefined;
  const isLongWait = (state: StateEntered) =>
    state.type === 'Wait' &&
    options.stopAtWaits?.includes(state.name) === true &&
    (state.waitSeconds === undefined || state.waitSeconds >= longWait);
  for (;;) {
    // Describe first: a history read after it holds every state entered before the end it reports.
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await eventsAfter(client, executionArn, lastId);
    for (const state of statesEntered(events)) {
      options.onState?.(state);
      current = state;
    }
    lastId = events.reduce((max, event) => Math.max(max, event.id ?? 0), lastId);
    if (execution.status !== 'RUNNING') return { kind: 'ended', execution };
    if (current !== undefined && isLongWait(current)) return { kind: 'waiting', state: current, execution };
    await sleep(options.pollMs ?? 1000);
  }
}
