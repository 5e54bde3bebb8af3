import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { isAwsError } from './output/errors';

/**
 * keyturn's audit events as the audit log group holds them: EventBridge writes each event (source
 * `keyturn.rotation`) as its JSON envelope, whose `detail` carries the rotation's subject and facts.
 */
export interface AuditRecord {
  /** The event's detail-type: RotationStarted, NewCredentialVerified, OldCredentialLeftInUse, ... */
  readonly type: string;
  readonly time: Date;
  readonly rotationId?: string;
  readonly executionArn?: string;
  readonly trigger?: string;
  readonly emergency?: boolean;
  /** The rest of the event's detail: value-free facts (ids, counts, error names). */
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface AuditQuery {
  readonly logGroupName: string;
  readonly secretArn: string;
  /** Events at most (newest kept). @default 500 */
  readonly limit?: number;
  readonly since?: Date;
}

export type AuditResult =
  | { readonly found: true; readonly events: AuditRecord[] }
  /** The log group does not exist (not deployed, or another name): a note, not an error. */
  | { readonly found: false; readonly events: [] };

/** The filter pattern selecting one secret's events (CloudWatch Logs JSON filter syntax). */
export function secretFilterPattern(secretArn: string): string {
  return `{ $.detail.secretArn = ${JSON.stringify(secretArn)} }`;
}

const SUBJECT_KEYS = new Set(['rotationId', 'executionArn', 'trigger', 'emergency', 'secretArn', 'type']);

/** One log event's message as an audit record, or undefined when it is not one. */
export function parseAuditMessage(message: string, timestamp: number | undefined): AuditRecord | undefined {
  let envelope: { 'detail-type'?: unknown; time?: unknown; detail?: unknown };
  try {
    envelope = JSON.parse(message) as typeof envelope;
  } catch {
    return undefined;
  }
  if (typeof envelope.detail !== 'object' || envelope.detail === null) return undefined;
  const detail = envelope.detail as Record<string, unknown>;
  const type = typeof envelope['detail-type'] === 'string' ? envelope['detail-type'] : detail.type;
  if (typeof type !== 'string') return undefined;
  const time = typeof envelope.time === 'string' ? new Date(envelope.time) : new Date(timestamp ?? 0);
  const text = (key: string) => (typeof detail[key] === 'string' ? detail[key] : undefined);
  return {
    type,
    time,
    ...(text('rotationId') === undefined ? {} : { rotationId: text('rotationId') }),
    ...(text('executionArn') === undefined ? {} : { executionArn: text('executionArn') }),
    ...(text('trigger') === undefined ? {} : { trigger: text('trigger') }),
    ...(typeof detail.emergency === 'boolean' ? { emergency: detail.emergency } : {}),
    facts: Object.fromEntries(Object.entries(detail).filter(([key]) => !SUBJECT_KEYS.has(key))),
  };
}

/** One secret's audit events, oldest first (FilterLogEvents pages through with nextToken). */
export async function auditEventsFor(client: CloudWatchLogsClient, query: AuditQuery): Promise<AuditResult> {
  const limit = query.limit ?? 500;
  const events: AuditRecord[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new FilterLogEventsCommand({
          logGroupName: query.logGroupName,
          filterPattern: secretFilterPattern(query.secretArn),
          nextToken,
          ...(query.since === undefined ? {} : { startTime: query.since.getTime() }),
        }),
      );
      for (const event of page.events ?? []) {
        const record = parseAuditMessage(event.message ?? '', event.timestamp);
        if (record !== undefined) events.push(record);
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return { found: false, events: [] };
    throw error;
  }
  events.sort((a, b) => a.time.getTime() - b.time.getTime());
  return { found: true, events: events.slice(-limit) };
}
