import {
  assessKeyFreshness,
  isPendingDeletion,
  type KeyFreshnessReport,
  lastRotationOf,
} from '../freshness-check/key-freshness';
import { type KeyAgeReader, readKeys } from '../freshness-check/key-reader';
import type { MonitoredKey } from '../freshness-check/monitored-keys';
import * as found from './findings';
import type { Finding, FindingCodeName, InventoryKey } from './types';

export interface KeysInventory {
  readonly keys: InventoryKey[];
  readonly findings: Finding[];
  /** The overdue assessment the freshness check's key gauges and log lines come from. */
  readonly freshness: KeyFreshnessReport;
}

/** The policy's KMS keys, each read (DescribeKey, ListKeyRotations) and judged: overdue, pending deletion, unreadable. */
export async function inventoryKeys(
  reader: KeyAgeReader,
  monitored: readonly MonitoredKey[],
  now: Date,
): Promise<KeysInventory> {
  const readings = await readKeys(reader, monitored);
  const freshness = assessKeyFreshness(readings, now);
  const findings: Finding[] = [];
  const keys = readings.map((reading): InventoryKey => {
    const { entryId, keyRef, maxAgeSeconds } = reading.key;
    const subject = found.keySubject(entryId, keyRef);
    const own: Finding[] = [];
    if (reading.status === 'unreadable') {
      own.push(found.keyUnreadable(subject, reading.reason));
      findings.push(...own);
      return {
        entryId,
        keyRef,
        keyArn: null,
        keyState: null,
        lastRotatedAt: null,
        dueAt: null,
        maxAgeSeconds,
        findings: codes(own),
      };
    }
    const lastRotatedAt = lastRotationOf(reading);
    if (isPendingDeletion(reading.keyState)) {
      own.push(found.keyPendingDeletion(subject, reading.keyArn, reading.deletionDate ?? null));
    }
    const overdue = freshness.overdue.find((key) => key.entryId === entryId && key.keyArn === reading.keyArn);
    if (overdue) {
      own.push(
        found.keyOverdue(subject, overdue.keyArn, overdue.lastRotatedAt, overdue.ageSeconds, overdue.maxAgeSeconds),
      );
    }
    findings.push(...own);
    return {
      entryId,
      keyRef,
      keyArn: reading.keyArn,
      keyState: reading.keyState,
      lastRotatedAt: lastRotatedAt.toISOString(),
      dueAt: new Date(lastRotatedAt.getTime() + maxAgeSeconds * 1000).toISOString(),
      maxAgeSeconds,
      findings: codes(own),
    };
  });
  return { keys, findings, freshness };
}

function codes(findings: readonly Finding[]): FindingCodeName[] {
  return findings.map((f) => f.code);
}
