import { createAuditWriter, type AuditTrailDeps } from '../shared/audit';
import type { RewrapAuditEventTypeName } from './contract';

/**
 * The re-wrap job's audit events: the same bus, source (`keyturn.rotation`), retries and completeness count
 * as the rotations'. Each carries the job id (the execution ARN) and names the table and the target key as
 * its resources; the facts are keys, key ids and counts, never a ciphertext.
 */
export interface RewrapAudit {
  /** Puts one event; never throws (a lost event is logged and shows in the completeness SLI). */
  record(type: RewrapAuditEventTypeName, detail: Readonly<Record<string, unknown>>, resources: string[]): Promise<void>;
}

export function createRewrapAudit(deps: AuditTrailDeps): RewrapAudit {
  const writer = createAuditWriter(deps);
  return { record: (type, detail, resources) => writer.write({ type, detail, resources }) };
}
