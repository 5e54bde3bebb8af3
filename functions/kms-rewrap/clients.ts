import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { throttlingRetryStrategy } from '../shared/throttling-retry';

/**
 * The re-wrap job's SDK clients, as the function builds them (endpoints from the environment:
 * AWS_ENDPOINT_URL_DYNAMODB / _KMS locally). KMS makes one attempt per call: the job paces ReEncrypt
 * itself, and answers a throttle by pausing the whole job and counting it (paced-reencrypt.ts), which the
 * SDK's own retries would hide. DynamoDB rides out its throttling with keyturn's short jittered retries.
 */
export function rewrapKmsClient(config: KMSClientConfig = {}): KMSClient {
  return new KMSClient({ ...config, maxAttempts: 1 });
}

export function rewrapDynamoDbClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    retryStrategy: throttlingRetryStrategy({
      maxAttempts: 10,
      baseDelayMs: 50,
      maxDelayMs: 2_000,
      maxTotalDelayMs: 15_000,
    }),
    ...config,
  });
}
