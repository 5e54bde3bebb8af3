/**
 * A world for the KMS re-wrap job's tests and benchmark: the local DynamoDB (dynalite) and a KMS (moto's,
 * optionally behind a throttling proxy), the real SDK clients the job builds, tables of wrapped data keys,
 * and a runner that drives slices until the job is done. Plaintexts stay in memory, for checks by Decrypt;
 * nothing prints them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import type { RewrapAudit } from '../../functions/kms-rewrap/audit';
import { rewrapDynamoDbClient, rewrapKmsClient } from '../../functions/kms-rewrap/clients';
import type { RewrapProgress, RewrapRequest } from '../../functions/kms-rewrap/contract';
import { parseRewrapEvent, type SliceEvent } from '../../functions/kms-rewrap/input';
import { runRewrapSlice, type RewrapDeps } from '../../functions/kms-rewrap/slice';
import { deadlineIn } from '../../functions/shared/deadline';
import type { PacerClock } from '../../functions/shared/write-pacer';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { startLocalKms, type LocalKms, type LocalKmsOptions } from '../../local/kms';
import { startMotoServer, type MotoServer } from './moto';

export const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
export const REGION = 'us-east-1';

export interface KmsKey {
  readonly keyId: string;
  readonly arn: string;
}

export interface RecordedAuditEvent {
  readonly type: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly resources: string[];
}

/** An audit trail that keeps what the job recorded. */
export function recordingAudit(): RewrapAudit & { readonly events: RecordedAuditEvent[] } {
  const events: RecordedAuditEvent[] = [];
  return {
    events,
    record(type, detail, resources) {
      events.push({ type, detail, resources });
      return Promise.resolve();
    },
  };
}

export interface JobRun {
  readonly progress: RewrapProgress;
  readonly slices: number;
  readonly audit: RecordedAuditEvent[];
}

export interface RunJobOptions {
  /** Overrides of the job's dependencies (hooks, clock, limits). */
  readonly deps?: Partial<RewrapDeps>;
  /** Start from this checkpoint (a resumed job). */
  readonly from?: RewrapProgress;
  /** Give up after this many slices (a test bound, not the job's). @default 1,000 */
  readonly maxSlices?: number;
  readonly jobId?: string;
}

export class RewrapWorld {
  /** Clients for the test's own setup and checks (the SDK's usual retries). */
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  /** The clients the job uses, built as the function builds them. */
  readonly jobDynamoDb: DynamoDBClient;
  readonly jobKms: KMSClient;
  readonly logger = new Logger({ serviceName: 'kms-rewrap-test', logLevel: 'SILENT' });
  readonly metrics = new Metrics({ namespace: 'keyturn', serviceName: 'kms-rewrap-test' });

  constructor(
    readonly dynamodbEndpoint: string,
    readonly kmsEndpoint: string,
    private readonly servers: { stop(): Promise<void> }[],
    jobKmsEndpoint = kmsEndpoint,
  ) {
    this.dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: REGION, credentials });
    this.kms = new KMSClient({ endpoint: kmsEndpoint, region: REGION, credentials });
    this.jobDynamoDb = rewrapDynamoDbClient({ endpoint: dynamodbEndpoint, region: REGION, credentials });
    this.jobKms = rewrapKmsClient({ endpoint: jobKmsEndpoint, region: REGION, credentials });
  }

  /** A world on moto's KMS; `throttleProxyEndpoint` (in front of it) for the job's KMS client, when given. */
  static async start(
    options: { jobKmsEndpoint?: (motoEndpoint: string) => Promise<string> } = {},
  ): Promise<RewrapWorld> {
    const [dynamodb, moto]: [LocalDynamoDb, MotoServer] = await Promise.all([startLocalDynamoDb(), startMotoServer()]);
    const jobKms = options.jobKmsEndpoint ? await options.jobKmsEndpoint(moto.endpoint) : moto.endpoint;
    return new RewrapWorld(dynamodb.endpoint, moto.endpoint, [dynamodb, moto], jobKms);
  }

  /** A world on keyturn's local KMS (key material versions, on-demand rotation, the shared quota). */
  static async startWithLocalKms(
    options: LocalKmsOptions = {},
  ): Promise<RewrapWorld & { readonly localKms: LocalKms }> {
    const [dynamodb, localKms] = await Promise.all([startLocalDynamoDb(), startLocalKms(options)]);
    return Object.assign(new RewrapWorld(dynamodb.endpoint, localKms.endpoint, [dynamodb, localKms]), { localKms });
  }

  async stop(): Promise<void> {
    for (const client of [this.dynamodb, this.kms, this.jobDynamoDb, this.jobKms]) client.destroy();
    await Promise.all(this.servers.map((server) => server.stop()));
  }

  async createKey(): Promise<KmsKey> {
    const metadata = (await this.kms.send(new CreateKeyCommand({}))).KeyMetadata;
    if (metadata?.KeyId === undefined || metadata.Arn === undefined) throw new Error('CreateKey returned no key');
    return { keyId: metadata.KeyId, arn: metadata.Arn };
  }

  async createTable(name: string, sortKey?: string): Promise<void> {
    await this.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          ...(sortKey ? [{ AttributeName: sortKey, AttributeType: 'N' as const }] : []),
        ],
        KeySchema: [
          { AttributeName: 'id', KeyType: 'HASH' },
          ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
        ],
      }),
    );
  }

  /** A fresh random data key wrapped under `keyArn`: the plaintext (for checks) and the ciphertext. */
  async wrap(keyArn: string, context?: Record<string, string>): Promise<{ plaintext: Buffer; ciphertext: Uint8Array }> {
    const plaintext = randomBytes(32);
    const output = await this.kms.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: context }),
    );
    if (output.CiphertextBlob === undefined) throw new Error('Encrypt returned no ciphertext');
    return { plaintext, ciphertext: output.CiphertextBlob };
  }

  /**
   * `count` items `item-<i>` holding a data key wrapped under `keyArn` in attribute `wrappedKey` (binary, or
   * base64 strings), plus whatever `extra(i)` adds. Returns each item's plaintext by id.
   */
  async seed(
    table: string,
    count: number,
    keyArn: string,
    options: {
      readonly asString?: boolean;
      readonly prefix?: string;
      readonly extra?: (i: number) => Record<string, AttributeValue>;
      readonly context?: (i: number) => Record<string, string>;
    } = {},
  ): Promise<Map<string, Buffer>> {
    const plaintexts = new Map<string, Buffer>();
    const items: Record<string, AttributeValue>[] = [];
    const prefix = options.prefix ?? 'item';
    for (let start = 0; start < count; start += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, count - start) }, async (_, j) => {
          const i = start + j;
          const { plaintext, ciphertext } = await this.wrap(keyArn, options.context?.(i));
          const id = `${prefix}-${String(i).padStart(5, '0')}`;
          plaintexts.set(id, plaintext);
          const wrapped: AttributeValue = options.asString
            ? { S: Buffer.from(ciphertext).toString('base64') }
            : { B: ciphertext };
          return { id: { S: id }, wrappedKey: wrapped, ...options.extra?.(i) };
        }),
      );
      items.push(...batch);
    }
    for (let start = 0; start < items.length; start += 25) {
      let requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const output = await this.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
        requests = (output.UnprocessedItems?.[table] ?? []).flatMap((r) =>
          r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
        );
      }
    }
    return plaintexts;
  }

  /** Every item of `table` by its `id` (consistent reads). */
  async readAll(table: string): Promise<Map<string, Record<string, AttributeValue>>> {
    const items = new Map<string, Record<string, AttributeValue>>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page: ScanCommandOutput = await this.dynamodb.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) items.set(item.id?.S ?? '', item);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Decrypt (tests only): which key a stored ciphertext is under, and its plaintext. */
  async unwrap(
    stored: AttributeValue | undefined,
    context?: Record<string, string>,
  ): Promise<{ keyArn: string; plaintext: Buffer; keyMaterialId?: string }> {
    const ciphertext = stored?.B ?? (stored?.S === undefined ? undefined : Buffer.from(stored.S, 'base64'));
    if (ciphertext === undefined) throw new Error('no ciphertext');
    const output = await this.kms.send(new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: context }));
    if (output.KeyId === undefined || output.Plaintext === undefined) throw new Error('Decrypt returned nothing');
    return { keyArn: output.KeyId, plaintext: Buffer.from(output.Plaintext), keyMaterialId: output.KeyMaterialId };
  }

  /** `unwrap` for every item's `wrappedKey`, a few at a time: the ids whose key or plaintext is not as `expected` says. */
  async unwrapMismatches(
    items: ReadonlyMap<string, Record<string, AttributeValue>>,
    expected: (id: string) => {
      readonly keyArn: string;
      readonly plaintext: Buffer | undefined;
      /** When given, the ciphertext must also be under this key material (a KMS that reports it). */
      readonly keyMaterialId?: string;
    },
  ): Promise<string[]> {
    const ids = [...items.keys()];
    const wrong: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        const { keyArn, plaintext, keyMaterialId } = await this.unwrap(items.get(id)?.wrappedKey);
        const want = expected(id);
        const wrongMaterial = want.keyMaterialId !== undefined && keyMaterialId !== want.keyMaterialId;
        if (
          keyArn !== want.keyArn ||
          want.plaintext === undefined ||
          !plaintext.equals(want.plaintext) ||
          wrongMaterial
        ) {
          wrong.push(id);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return wrong.sort();
  }

  /** The job's dependencies as the function has them, with the test's overrides. */
  jobDeps(audit: RewrapAudit, overrides: Partial<RewrapDeps> = {}): RewrapDeps {
    return {
      dynamodb: this.jobDynamoDb,
      kms: this.jobKms,
      logger: this.logger,
      metrics: this.metrics,
      audit,
      deadline: deadlineIn(10 * 60_000),
      ...overrides,
    };
  }

  /** One slice from `from`'s checkpoint (or the start), as the state machine invokes the function. */
  runSlice(
    request: RewrapRequest,
    from: RewrapProgress | undefined,
    audit: RewrapAudit,
    deps: Partial<RewrapDeps> = {},
    jobId = 'arn:aws:states:us-east-1:123456789012:execution:keyturn-rewrap:test',
  ): Promise<RewrapProgress> {
    const event = parseRewrapEvent({
      task: 'slice',
      request,
      progress: from ? { checkpoint: from.checkpoint } : {},
      jobId,
    }) as SliceEvent;
    return runRewrapSlice(event, this.jobDeps(audit, deps));
  }

  /** Runs slices, each from the last one's checkpoint (as the state machine does), until the job is done. */
  async runJob(request: RewrapRequest, options: RunJobOptions = {}): Promise<JobRun> {
    const audit = recordingAudit();
    let progress = options.from;
    let slices = 0;
    do {
      if (slices >= (options.maxSlices ?? 1000)) throw new Error(`the job was not done after ${slices} slices`);
      progress = await this.runSlice(request, progress, audit, options.deps, options.jobId);
      slices += 1;
    } while (!progress.done);
    return { progress, slices, audit: audit.events };
  }
}

/**
 * A clock that moves only when the job sleeps, by the time it asked for: its waits take no real time, and
 * with one item in flight at a time its `sleeps` are exactly the waits the job chose, whatever the machine's
 * speed. It starts at the real time.
 */
export function skippingClock(): PacerClock & { readonly sleeps: number[] } {
  let now = Date.now();
  const sleeps: number[] = [];
  return {
    sleeps,
    nowMs: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/** A re-wrap request for the harness's tables (items keyed `id`, ciphertext in `wrappedKey`). */
export function requestFor(
  table: string,
  target: KmsKey,
  allowed: readonly KmsKey[],
  extra: Partial<RewrapRequest> = {},
): RewrapRequest {
  return {
    tableName: table,
    key: { partition: 'id' },
    ciphertextAttribute: 'wrappedKey',
    targetKeyId: target.arn,
    allowedSourceKeyIds: allowed.map((k) => k.arn),
    // Far above what the local services can do: these tests are about correctness, not the pace.
    quotaPerSecond: 100_000,
    fraction: 0.5,
    concurrency: 8,
    ...extra,
  };
}
