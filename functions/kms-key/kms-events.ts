import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import type { AuditWriter } from '../shared/audit';
import { KMS_ROTATION_TYPE_DIMENSION, KmsKeyMetric } from '../shared/metric-names';

/**
 * KMS's own events on EventBridge (source `aws.kms`, sent directly, best effort): a key's material rotated
 * (automatically or on demand, whoever asked) and a key deleted at the end of its waiting period. Each becomes
 * a keyturn audit event and a metric, so the audit trail shows rotations keyturn did not start too.
 * Shapes from the KMS developer guide ("Monitor KMS keys with Amazon EventBridge").
 */

export const KMS_EVENT_SOURCE = 'aws.kms';
export const KmsEventType = { Rotation: 'KMS CMK Rotation', Deletion: 'KMS CMK Deletion' } as const;

/** The audit events they become. */
export const KmsAuditEventType = {
  MaterialRotated: 'KmsKeyMaterialRotated',
  Deleted: 'KmsKeyDeleted',
} as const;

const kmsEventSchema = z.object({
  source: z.literal(KMS_EVENT_SOURCE),
  'detail-type': z.string(),
  time: z.optional(z.string()),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
  detail: z.optional(
    z.object({
      'key-id': z.optional(z.string()),
      'key-origin': z.optional(z.string()),
      'rotation-type': z.optional(z.string()),
      'previous-key-material-id': z.optional(z.string()),
      'current-key-material-id': z.optional(z.string()),
    }),
  ),
});
export type KmsEvent = z.output<typeof kmsEventSchema>;

/** An EventBridge event from KMS (anything else is not for this path). */
export function asKmsEvent(event: unknown): KmsEvent | undefined {
  const parsed = kmsEventSchema.safeParse(event);
  return parsed.success ? parsed.data : undefined;
}

/** Records one KMS event; other detail types (imported material expiring) are recorded under their own name. */
export async function recordKmsEvent(event: KmsEvent, deps: { audit: AuditWriter; metrics: Metrics }): Promise<string> {
  const detail = event.detail ?? {};
  const keyArn = event.resources?.[0] ?? detail['key-id'] ?? 'unknown';
  const common = { keyId: keyArn, at: event.time, region: event.region, source: KMS_EVENT_SOURCE };
  if (event['detail-type'] === KmsEventType.Rotation) {
    const rotationType = detail['rotation-type'] ?? 'AUTOMATIC';
    deps.metrics.addMetric(KmsKeyMetric.MaterialRotations, MetricUnit.Count, 1);
    const single = deps.metrics.singleMetric();
    single.addDimension(KMS_ROTATION_TYPE_DIMENSION, rotationType);
    single.addMetric(KmsKeyMetric.MaterialRotations, MetricUnit.Count, 1);
    await deps.audit.write({
      type: KmsAuditEventType.MaterialRotated,
      detail: {
        ...common,
        rotationType,
        keyOrigin: detail['key-origin'],
        previousKeyMaterialId: detail['previous-key-material-id'],
        currentKeyMaterialId: detail['current-key-material-id'],
      },
      resources: [keyArn],
    });
    return KmsAuditEventType.MaterialRotated;
  }
  if (event['detail-type'] === KmsEventType.Deletion) {
    deps.metrics.addMetric(KmsKeyMetric.KeysDeleted, MetricUnit.Count, 1);
    await deps.audit.write({ type: KmsAuditEventType.Deleted, detail: common, resources: [keyArn] });
    return KmsAuditEventType.Deleted;
  }
  const type = `Kms${event['detail-type'].replace(/[^A-Za-z]/g, '')}`;
  await deps.audit.write({ type, detail: common, resources: [keyArn] });
  return type;
}
