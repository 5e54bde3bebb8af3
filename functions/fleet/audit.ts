import { createAuditWriter, type AuditTrailDeps } from '../shared/audit';
import type { FleetAuditEventType } from './contract';

export type FleetAuditEventTypeName = (typeof FleetAuditEventType)[keyof typeof FleetAuditEventType];

export interface FleetAudit {
  /** Puts one event on the audit bus; never throws (a lost event is logged and shows in the completeness SLI). */
  record(type: FleetAuditEventTypeName, detail: Readonly<Record<string, unknown>>, resources: string[]): Promise<void>;
}

/** The fleet's audit events: the same bus, source, retries and completeness count as the lifecycle's. */
export function createFleetAudit(deps: AuditTrailDeps): FleetAudit {
  const writer = createAuditWriter(deps);
  return { record: (type, detail, resources) => writer.write({ type, detail, resources }) };
}
