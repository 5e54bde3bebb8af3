import { performance } from 'node:perf_hooks';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  KMSClient,
  ListAliasesCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { createObservability } from '../../functions/shared/observability';
import { MetricService } from '../../functions/shared/metric-names';
import type { LocalStack } from '../stack';
import { loadStateMachine, type StateMachineName } from '../stepfunctions/definitions';
import { runStateMachine, type LambdaHandler } from '../stepfunctions/runner';
import type { ExecutionReport } from './lifecycle-drill';
import type { Check } from './report';

/**
 * KMS keys in the drill, through the real kms-key and re-wrap functions and state machines against the local
 * KMS, CloudTrail and DynamoDB: a symmetric key rotated on demand (a ciphertext from before still decrypts),
 * 1,000 wrapped data keys re-wrapped to its new material with a progress line, and an HMAC key replaced
 * (alias moved, old key disabled, its deletion scheduled).
 */

const KMS_KEY_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-kms-key';
const REWRAP_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-kms-rewrap';
const DATA_KEYS = 1_000;
const RUN_AT_ONCE = {
  graceSeconds: 0,
  drainCheckSeconds: 0,
  drainChecks: 1,
  canaryWatchSeconds: 0,
  deletionWindowDays: 7,
};

interface KmsDrillContext {
  readonly stack: LocalStack;
  readonly kms: KMSClient;
  readonly dynamodb: DynamoDBClient;
  readonly handlers: Record<string, LambdaHandler>;
}

export async function kmsDrillContext(stack: LocalStack): Promise<KmsDrillContext> {
  if (!stack.kms || !stack.dynamodb) throw new Error('the local stack did not start the local KMS and DynamoDB');
  // Imported only now: the functions build their clients from the environment the stack has set.
  const kmsKey = await import('../../functions/kms-key/handler');
  const rewrap = await import('../../functions/kms-rewrap/handler');
  // Slices of 250 items: the job resumes from its checkpoint four times, as a long one does between invocations.
  const rewrapHandler = rewrap.createRewrapHandler({
    ...rewrap.defaultRewrapDeps(createObservability(MetricService.Lifecycle)),
    maxItemsPerSlice: 250,
  });
  return {
    stack,
    kms: new KMSClient({ endpoint: stack.kms.endpoint, region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ endpoint: stack.dynamodb.endpoint, region: 'us-east-1' }),
    handlers: {
      [KMS_KEY_FUNCTION]: kmsKey.handler,
      [REWRAP_FUNCTION]: async (event) => {
        const progress = await rewrapHandler(event);
        if ('checkpoint' in progress) {
          const { counts } = progress.checkpoint;
          console.log(
            `  re-wrap  ${String(counts.scanned).padStart(5)} of ${DATA_KEYS} items scanned ` +
              `(${((100 * counts.scanned) / DATA_KEYS).toFixed(0)}%), ${counts.rewrapped} re-wrapped, ` +
              `${counts.alreadyCurrent} already current`,
          );
        }
        return progress;
      },
    },
  };
}

async function execute(
  context: KmsDrillContext,
  machine: StateMachineName,
  title: string,
  input: Record<string, unknown>,
  checks: () => Promise<Check[]>,
): Promise<ExecutionReport> {
  const name = `drill-${machine}-${Date.now()}`;
  const executionArn = `arn:aws:states:us-east-1:123456789012:execution:keyturn-${machine}:${name}`;
  const definition = loadStateMachine(machine, { KmsKeyFunction: KMS_KEY_FUNCTION, RewrapFunction: REWRAP_FUNCTION });
  const t0 = performance.now();
  const result = await runStateMachine(definition, input, {
    lambdaHandlers: context.handlers,
    wait: { ms: 1 },
    retryIntervalMs: 50,
    context: { Execution: { Id: executionArn, Name: name } },
  });
  const ms = performance.now() - t0;
  const { stack } = context;
  return {
    title,
    status: result.status,
    ...(result.error !== undefined ? { error: `${result.error}: ${result.cause ?? ''}` } : {}),
    states: [...new Set(result.history)],
    auditEvents: stack.eventBridge
      .events()
      .filter((e) => e.detail.executionArn === executionArn || e.detail.jobId === name)
      .map((e) => e.detailType),
    alerts: stack.sns.messages().filter((m) => m.message.includes(executionArn)).length,
    ms,
    checks: await checks(),
  };
}

const check = (passed: boolean, text: string): Check => ({ passed, text });

/** A symmetric key rotated on demand, then the data keys wrapped under its old material re-wrapped. */
export async function drillKmsOnDemandAndRewrap(context: KmsDrillContext): Promise<ExecutionReport[]> {
  const { kms, dynamodb } = context;
  const keyId = (await kms.send(new CreateKeyCommand({ Description: 'drill: orders data key' }))).KeyMetadata
    ?.KeyId as string;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/drill-orders', TargetKeyId: keyId }));
  const before = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('order #1') }));
  const table = 'drill-wrapped-keys';
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  for (let start = 0; start < DATA_KEYS; start += 25) {
    const items = await Promise.all(
      Array.from({ length: Math.min(25, DATA_KEYS - start) }, async (_, i) => {
        const wrapped = await kms.send(
          new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }),
        );
        if (!wrapped.CiphertextBlob) throw new Error('GenerateDataKeyWithoutPlaintext returned no ciphertext');
        const request: WriteRequest = {
          PutRequest: {
            Item: {
              id: { S: `order-${String(start + i).padStart(4, '0')}` },
              wrappedKey: { B: wrapped.CiphertextBlob },
            },
          },
        };
        return request;
      }),
    );
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
  }
  const materialOf = async (blob: Uint8Array | undefined) =>
    (await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).KeyMaterialId;
  const oldMaterial = await materialOf(before.CiphertextBlob);

  const rotation = await execute(
    context,
    'kms-key',
    'KMS key rotated on demand (symmetric)',
    { entryId: 'drill-orders', keyId, aliasName: 'alias/drill-orders' },
    async () => {
      const fresh = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('order #2') }));
      const newMaterial = await materialOf(fresh.CiphertextBlob);
      return [
        check(
          (await materialOf(before.CiphertextBlob)) === oldMaterial,
          'a ciphertext made before the rotation still decrypts',
        ),
        check(
          newMaterial !== undefined && newMaterial !== oldMaterial,
          'new ciphertexts are made with new key material',
        ),
      ];
    },
  );
  const rewrap = await execute(
    context,
    'rewrap',
    `${DATA_KEYS.toLocaleString('en-US')} wrapped data keys re-wrapped to the new material`,
    {
      tableName: table,
      key: { partition: 'id' },
      ciphertextAttribute: 'wrappedKey',
      targetKeyId: keyId,
      allowedSourceKeyIds: [keyId],
      quotaPerSecond: 10_000,
      fraction: 0.1,
    },
    async () => {
      const current = await materialOf(
        (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }))).CiphertextBlob,
      );
      const items = (await dynamodb.send(new ScanCommand({ TableName: table }))).Items ?? [];
      let onCurrent = 0;
      for (const item of items) if ((await materialOf(item.wrappedKey?.B)) === current) onCurrent += 1;
      return [
        check(items.length === DATA_KEYS, `${items.length} items in the table, none lost`),
        check(
          onCurrent === DATA_KEYS,
          `${onCurrent} of ${DATA_KEYS} data keys under the current material (ReEncrypt: plaintext never left KMS)`,
        ),
      ];
    },
  );
  return [rotation, rewrap];
}

/** An HMAC key (KMS cannot rotate its material) replaced behind its alias. */
export async function drillKmsReplacement(context: KmsDrillContext): Promise<ExecutionReport> {
  const { kms } = context;
  const created = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  const keyId = created.KeyMetadata?.KeyId as string;
  const aliasName = 'alias/drill-webhooks';
  await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
  return execute(
    context,
    'kms-key',
    'HMAC key replaced (alias moved, old key retired)',
    { entryId: 'drill-webhooks', keyId, aliasName, settings: RUN_AT_ONCE },
    async () => {
      const target = (await kms.send(new ListAliasesCommand({}))).Aliases?.find(
        (a) => a.AliasName === aliasName,
      )?.TargetKeyId;
      const oldState = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
      const mac = await kms.send(
        new GenerateMacCommand({ KeyId: aliasName, Message: Buffer.from('event'), MacAlgorithm: 'HMAC_SHA_256' }),
      );
      const verified = await kms.send(
        new VerifyMacCommand({
          KeyId: aliasName,
          Message: Buffer.from('event'),
          Mac: mac.Mac,
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      );
      return [
        check(target !== undefined && target !== keyId, `${aliasName} points at the new key`),
        check(verified.MacValid === true, 'a MAC made through the alias verifies (new key)'),
        check(
          oldState === 'PendingDeletion',
          `the old key is ${oldState ?? '?'} (disabled, then its deletion scheduled)`,
        ),
      ];
    },
  );
}

export function stopKmsDrill(context: KmsDrillContext): void {
  context.kms.destroy();
  context.dynamodb.destroy();
}
