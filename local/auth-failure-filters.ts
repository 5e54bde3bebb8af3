import { CloudWatchLogsClient, CreateLogGroupCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ResolvedAuthFailures } from '../infra/policy/auth-failure-signal';

/**
 * Puts an entry's failed-login metric filters (one per user) into a (local) CloudWatch Logs as the `AuthFailureSignal` construct
 * synthesizes it: the same log group, the same pattern (CDK's own quoting of the phrases), the same metric. What
 * CloudFormation does on deploy, for the local stack's drill and tests. The log group is created first when the
 * server has not logged yet (on AWS, RDS creates it when the export is enabled, or you create it beforehand).
 */
export async function putAuthFailureMetricFilters(
  endpoint: string,
  filterName: string,
  signal: ResolvedAuthFailures,
): Promise<void> {
  if (signal.logFilter === undefined) throw new Error(`signal ${signal.metric.metricName} has no log filter`);
  const client = new CloudWatchLogsClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
  });
  try {
    await client
      .send(new CreateLogGroupCommand({ logGroupName: signal.logFilter.logGroupName }))
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ResourceAlreadyExistsException') throw error;
      });
    const { logGroupName, phrases } = signal.logFilter;
    for (const [index, phrase] of phrases.entries()) {
      await client.send(
        new PutMetricFilterCommand({
          logGroupName,
          filterName: `${filterName}-${index}`,
          filterPattern: logs.FilterPattern.allTerms(phrase).logPatternString,
          metricTransformations: [
            {
              metricNamespace: signal.metric.namespace,
              metricName: signal.metric.metricName,
              metricValue: '1',
              unit: 'Count',
            },
          ],
        }),
      );
    }
  } finally {
    client.destroy();
  }
}
