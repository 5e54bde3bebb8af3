import { PutEventsCommand, type PutEventsRequestEntry, type PutEventsResponse } from '@aws-sdk/client-eventbridge';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { randomInt } from 'node:crypto';
import { AUDIT_EVENT_SOURCE, AuditMetric } from '../shared/metric-names';
import type { FleetAuditEventType } from './contract';

/** The part of an EventBridge client the fleet audit needs. */
export interface PutEventsClient {
  send(command: PutEventsCommand): Promise<PutEventsResponse>;
}

export type FleetAuditEventTypeName = (typeof FleetAuditEventType)[keyof typeof FleetAuditEventType];

export interface FleetAudit {
  /** Puts one event on the audit bus; never throws (a lost event is logged and shows in the completeness SLI). */
  record(type: FleetAuditEventTypeName, detail: Readonly<Record<string, unknown>>, resources: string[]): Promise<void>;
}

export interface FleetAuditDeps {
  readonly client: PutEventsClient;
  /** The audit bus; undefined: events are only logged. */
  readonly busName: string | undefined;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Attempts when EventBridge rejects the entry or the call fails after the SDK's own retries. @default 3 */
  readonly attempts?: number;
  readonly now?: () => Date;
}

/**
 * The fleet's audit events, on the same bus and with the same source as the lifecycle's. Each
 * counts once in AuditEventsExpected before it is sent (the audit-completeness SLI).
 */
export function createFleetAudit(deps: FleetAuditDeps): FleetAudit {
  const attempts = deps.attempts ?? 3;
  return {
    async record(type, detail, resources) {
      const entry: PutEventsRequestEntry = {
        Source: AUDIT_EVENT_SOURCE,
        DetailType: type,
        Detail: JSON.stringify({ ...detail, type }),
        Resources: resources,
        Time: deps.now?.() ?? new Date(),
        EventBusName: deps.busName,
      };
      deps.metrics.addMetric(AuditMetric.Expected, MetricUnit.Count, 1);
      if (deps.busName === undefined) {
        deps.logger.warn('audit bus not configured: fleet audit event only logged', { auditEvent: type });
        return;
      }
      let lastError = 'unknown';
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, randomInt(100 * 2 ** attempt)));
        try {
          const out = await deps.client.send(new PutEventsCommand({ Entries: [entry] }));
          const errorCode = out.Entries?.[0]?.ErrorCode;
          if (errorCode === undefined) return;
          lastError = errorCode;
        } catch (error) {
          lastError = error instanceof Error ? error.name : 'non-error thrown';
        }
      }
      deps.logger.error('fleet audit event not recorded on the audit bus', { auditEvent: type, error: lastError });
    },
  };
}
