import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** An alert for people: who, what and where, never a secret value. */
export interface Alert {
  readonly topicArn: string;
  /** At most 100 printable ASCII characters (SNS's rule for subjects; email subject lines). */
  readonly subject: string;
  readonly message: string;
  readonly severity: 'critical' | 'warning';
  readonly rotationId: string;
  readonly step?: string;
}

export interface AlertPublisher {
  publish(alert: Alert): Promise<void>;
}

/** Publishes alerts to SNS, with rotation id, step and severity as message attributes (for filter policies). */
export function snsAlertPublisher(client: SNSClient): AlertPublisher {
  return {
    async publish(alert) {
      const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {
        severity: { DataType: 'String', StringValue: alert.severity },
        rotationId: { DataType: 'String', StringValue: alert.rotationId },
      };
      if (alert.step !== undefined) attributes.step = { DataType: 'String', StringValue: alert.step };
      await client.send(
        new PublishCommand({
          TopicArn: alert.topicArn,
          Subject: asSubject(alert.subject),
          Message: alert.message,
          MessageAttributes: attributes,
        }),
      );
    },
  };
}

/** SNS subjects: printable ASCII without line breaks, at most 100 characters. */
export function asSubject(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length <= 100 ? printable : `${printable.slice(0, 97)}...`;
}
