import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditEventTypeName, LifecycleTrigger } from './lifecycle-contract';
import { AUDIT_EVENT_SOURCE, AuditMetric } from './metric-names';

/** What every audit event of one rotation says about it. Value-free. */
export interface AuditSubject {
  readonly rotationId: string;
  readonly executionArn: string;
  readonly secretArn: string;
  readonly trigger: LifecycleTrigger;
  readonly emergency: boolean;
  readonly entryId?: string;
  readonly strategy?: string;
}

export interface AuditEvent {
  readonly type: AuditEventTypeName;
  /** Facts of this step (ids, counts, names of errors): never a secret value. */
  readonly facts?: Readonly<Record<string, unknown>>;
}

export interface AuditTrail {
  /** Records events in order; never throws (a lost audit event is logged and shows in the completeness SLI). */
  record(subject: AuditSubject, ...events: AuditEvent[]): Promise<void>;
}

/** PutEvents: one result per entry, in order (see event-bus.ts). */
export type PutEvents = (entries: PutEventsRequestEntry[]) => Promise<PutEventsResultEntry[]>;

export interface AuditTrailDeps {
  readonly putEvents: PutEvents;
  /** The audit bus; undefined: events are only logged (a deployment always sets it). */
  readonly busName: string | undefined;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  /** Attempts for entries EventBridge reports as failed (throttling, internal errors). @default 3 */
  readonly attempts?: number;
}

/** PutEvents takes at most ten entries per call. */
const PUT_EVENTS_BATCH = 10;

/** One audit event as it goes on the bus: any keyturn process (a rotation, a fleet run) can write one. */
export interface AuditEntry {
  readonly type: string;
  /** Value-free facts; `type` is added. */
  readonly detail: Readonly<Record<string, unknown>>;
  /** ARNs the event is about (the secret, the fleet execution). */
  readonly resources: string[];
}

export interface AuditWriter {
  /** Puts entries in order; never throws (a lost event is logged and shows in the completeness SLI). */
  write(...entries: AuditEntry[]): Promise<void>;
}

/**
 * Puts keyturn's audit events on the audit bus. Each event counts once in AuditEventsExpected
 * before it is sent; the audit log's metric filter counts the ones that arrived
 * (AuditEventsRecorded), so the two make the audit-completeness SLI. Entries EventBridge
 * rejects are retried; what still fails is logged at error level with its (value-free) detail.
 */
export function createAuditWriter(deps: AuditTrailDeps): AuditWriter {
  const attempts = deps.attempts ?? 3;
  return {
    async write(...events) {
      if (events.length === 0) return;
      const time = deps.now?.() ?? new Date();
      const entries: PutEventsRequestEntry[] = events.map((event) => ({
        Source: AUDIT_EVENT_SOURCE,
        DetailType: event.type,
        Detail: JSON.stringify({ ...event.detail, type: event.type }),
        Resources: event.resources,
        Time: time,
        EventBusName: deps.busName,
      }));
      deps.metrics.addMetric(AuditMetric.Expected, MetricUnit.Count, entries.length);
      for (const event of events) deps.logger.info('audit event', { auditEvent: event.type, ...event.detail });
      if (deps.busName === undefined) {
        deps.logger.warn(`audit bus not configured: ${events.length} audit event(s) only logged`);
        return;
      }
      for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
        await putWithRetries(deps, entries.slice(start, start + PUT_EVENTS_BATCH), attempts);
      }
    },
  };
}

/** The audit trail of rotations: every event carries the rotation's subject and names its secret. */
export function createAuditTrail(deps: AuditTrailDeps): AuditTrail {
  const writer = createAuditWriter(deps);
  return {
    record(subject, ...events) {
      return writer.write(
        ...events.map((event) => ({
          type: event.type,
          detail: { ...subject, ...event.facts },
          resources: [subject.secretArn],
        })),
      );
    },
  };
}

async function putWithRetries(deps: AuditTrailDeps, batch: PutEventsRequestEntry[], attempts: number): Promise<void> {
  let pending = batch;
  let lastError = 'unknown';
  for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(jitteredBackoffMs(attempt));
    try {
      const results = await deps.putEvents(pending);
      const failed = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
      if (failed.length > 0) lastError = results.find((r) => r.ErrorCode)?.ErrorCode ?? lastError;
      pending = failed;
    } catch (error) {
      // The SDK already retried throttling and 5xx; another round here rides out longer bursts.
      lastError = error instanceof Error ? error.name : 'non-error thrown';
    }
  }
  for (const entry of pending) {
    deps.logger.error('audit event not recorded on the audit bus', {
      auditEvent: entry.DetailType,
      detail: entry.Detail,
      error: lastError,
    });
  }
}

/** Full jitter: a random wait up to 100 ms × 2^attempt. */
function jitteredBackoffMs(attempt: number): number {
  return Math.random() * 100 * 2 ** attempt;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
