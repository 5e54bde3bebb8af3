import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

/**
 * CloudTrail's event history (LookupEvents), read as keyturn's drains and canaries need it: every event
 * for one attribute (an access key id, a KMS key's ARN) in a time range, newest first, up to a limit. The
 * client is loaded on first use (a lazy module of the rotation function, see bundling-options.ts).
 */

/** One recorded call, without its request or response: names, time, caller's agent, error code. */
export interface TrailEvent {
  readonly eventName: string;
  /** `s3.amazonaws.com`, `kms.amazonaws.com`, ... */
  readonly eventSource: string;
  readonly at: Date;
  readonly region: string;
  readonly userAgent?: string;
  /** Set when the call failed (`DisabledException`, `AccessDenied`, ...). */
  readonly errorCode?: string;
}

export interface TrailLookup {
  readonly attribute: { readonly key: 'AccessKeyId' | 'ResourceName'; readonly value: string };
  readonly since: Date;
  readonly region: string;
  readonly limit: number;
}

/** LookupEvents pages are 50 events at most. */
const LOOKUP_PAGE = 50;

type Credentials = { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };

/** CloudTrail clients by region (with the given credentials: another account's event history). */
export function trailClients(credentials?: Credentials): (region: string) => Promise<CloudTrailClient> {
  const clients = new Map<string, Promise<CloudTrailClient>>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      // LookupEvents allows two calls per second per account and region: the SDK's adaptive mode paces retries.
      client = import('@aws-sdk/client-cloudtrail').then(
        ({ CloudTrailClient }) =>
          new CloudTrailClient({ region, retryMode: 'adaptive', ...(credentials ? { credentials } : {}) }),
      );
      clients.set(region, client);
    }
    return client;
  };
}

export async function lookupTrailEvents(client: CloudTrailClient, lookup: TrailLookup): Promise<TrailEvent[]> {
  const { LookupEventsCommand } = await import('@aws-sdk/client-cloudtrail');
  const events: TrailEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: lookup.attribute.key, AttributeValue: lookup.attribute.value }],
        StartTime: lookup.since,
        EndTime: new Date(),
        MaxResults: Math.min(LOOKUP_PAGE, lookup.limit - events.length),
        NextToken: nextToken,
      }),
    );
    for (const event of page.Events ?? []) {
      events.push({
        eventName: event.EventName ?? 'unknown',
        eventSource: event.EventSource ?? 'unknown',
        at: event.EventTime ?? lookup.since,
        region: lookup.region,
        ...recordFields(event.CloudTrailEvent),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken && events.length < lookup.limit);
  return events.slice(0, lookup.limit);
}

/** The user agent and error code in an event's full record (a JSON string): the only fields keyturn reads from it. */
function recordFields(record: string | undefined): { userAgent?: string; errorCode?: string } {
  if (record === undefined) return {};
  try {
    const parsed = JSON.parse(record) as { userAgent?: unknown; errorCode?: unknown };
    return {
      ...(typeof parsed.userAgent === 'string' ? { userAgent: parsed.userAgent } : {}),
      ...(typeof parsed.errorCode === 'string' ? { errorCode: parsed.errorCode } : {}),
    };
  } catch {
    return {};
  }
}
