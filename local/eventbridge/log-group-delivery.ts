import type { ServiceLocation } from './arn';
import type { Rule, RuleTarget } from './rules';
import type { RecordedEvent } from './state';

/**
 * Delivery of matched events to CloudWatch Logs log group targets, as EventBridge does it: the
 * log event's message is the whole event as JSON (version, id, detail-type, source, account,
 * time, region, resources, detail), its timestamp the event's time, in a log stream named after
 * the event id. Delivery happens during PutEvents, so a test reads the log right after; a delivery
 * that cannot be made (no such group, no local CloudWatch Logs connected) is kept as a failed
 * delivery, where AWS would retry and then drop it or send it to a dead-letter queue.
 */

/** Where log group targets are written: the local CloudWatch Logs fits. */
export interface LogGroupDestination {
  readonly region: string;
  readonly accountId: string;
  /** Writes one event into the group's stream (created when new); throws when it cannot. */
  writeEvent(logGroupName: string, logStreamName: string, event: { timestamp: number; message: string }): void;
}

export interface FailedDelivery {
  readonly eventId: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly reason: string;
}

const LOG_GROUP_ARN = /^arn:aws[\w-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([.\-_/#A-Za-z0-9]+?)(:\*)?$/;

/** The log group a target ARN names, or undefined when the ARN is not a log group's. */
export function logGroupOfTarget(arn: string): { region: string; accountId: string; name: string } | undefined {
  const match = LOG_GROUP_ARN.exec(arn);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { region: match[1], accountId: match[2], name: match[3] };
}

/** The event as EventBridge hands it to targets. */
export function eventEnvelope(event: RecordedEvent, location: ServiceLocation): Record<string, unknown> {
  return {
    version: '0',
    id: event.eventId,
    'detail-type': event.detailType,
    source: event.source,
    account: location.accountId,
    time: event.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: location.region,
    resources: [...event.resources],
    detail: event.detail,
  };
}

export class LogGroupDelivery {
  private destination: LogGroupDestination | undefined;
  private failures: FailedDelivery[] = [];

  connect(destination: LogGroupDestination): void {
    this.destination = destination;
  }

  deliver(rule: Rule, target: RuleTarget, event: RecordedEvent, envelope: Record<string, unknown>): void {
    const reason = this.write(target, event, envelope);
    if (reason !== undefined) {
      this.failures.push({
        eventId: event.eventId,
        ruleArn: rule.arn,
        targetId: target.id,
        targetArn: target.arn,
        reason,
      });
    }
  }

  /** Writes the event; undefined when it was written, else why it was not. */
  private write(target: RuleTarget, event: RecordedEvent, envelope: Record<string, unknown>): string | undefined {
    const group = logGroupOfTarget(target.arn);
    const destination = this.destination;
    if (!group) return 'the target is not a CloudWatch Logs log group';
    if (!destination) return 'no local CloudWatch Logs is connected to the local EventBridge';
    if (group.region !== destination.region || group.accountId !== destination.accountId) {
      return `the log group is in ${group.accountId}/${group.region}, not where the local CloudWatch Logs is`;
    }
    try {
      destination.writeEvent(group.name, event.eventId, {
        timestamp: event.time.getTime(),
        message: JSON.stringify(envelope),
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : 'the write failed';
    }
  }

  failed(): FailedDelivery[] {
    return [...this.failures];
  }

  clear(): void {
    this.failures = [];
  }
}
