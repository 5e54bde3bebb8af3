import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Lets CloudWatch Logs in the key's own account and region use `key` for log groups of that account
 * and region (the key policy statement AWS documents for encrypted log groups). A log group created with
 * `encryptionKey` fails to deploy without it.
 */
export function allowCloudWatchLogs(key: kms.Key): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}

/**
 * Lets `grantee` send to `queue`: `sqs:SendMessage` on the queue and, for a queue encrypted with a customer
 * managed key, exactly `kms:GenerateDataKey` and `kms:Decrypt` on that key — what SQS asks of a producer.
 * (The queue's own `grantSendMessages` adds `kms:ReEncrypt*` and `kms:GenerateDataKey*`: wildcards a
 * producer does not need.)
 */
export function grantSendMessages(queue: sqs.IQueue, grantee: iam.IGrantable): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
  const key = queue.encryptionMasterKey;
  if (!key) return grant;
  return grant.combine(
    iam.Grant.addToPrincipal({ grantee, actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [key.keyArn] }),
  );
}

/** A Lambda destination (async invocation result) that sends to a queue, granted with {@link grantSendMessages}. */
export class QueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  public bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    grantSendMessages(this.queue, fn);
    return { destination: this.queue.queueArn };
  }
}
