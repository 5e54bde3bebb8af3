/**
 * What the re-wrap state machine (`statemachines/rewrap.asl.json`), the re-wrap function and its
 * operators agree on: the job's request, the checkpoint it carries from slice to slice, and what a
 * slice answers. The state machine only moves these objects and branches on the flags of
 * {@link RewrapProgress}; every decision is made in code. Keys and counts only: never a ciphertext,
 * never a plaintext (the checkpoint lands in execution history).
 */

/**
 * AWS KMS's default quota for cryptographic operations on symmetric keys (Decrypt, Encrypt,
 * GenerateDataKey*, GenerateMac, GenerateRandom, ReEncrypt, VerifyMac), shared per account and Region
 * by every caller: 10,000 requests/s (higher by default in some large Regions; adjustable in Service
 * Quotas). Give the account's real value in `quotaPerSecond`.
 */
export const DEFAULT_KMS_CRYPTO_QUOTA_PER_SECOND = 10_000;

/**
 * The share of that quota a re-wrap job allows itself by default: a tenth. The quota is the account's:
 * every application decrypting its data keys draws on it, and a re-wrap is never urgent enough to throttle
 * them.
 */
export const DEFAULT_REWRAP_QUOTA_FRACTION = 0.1;

/** The largest share a job may take: at least half of the quota always stays with the applications. */
export const MAX_REWRAP_QUOTA_FRACTION = 0.5;

/** Items per Scan page by default (a page is also at most 1 MB, DynamoDB's own limit). */
export const DEFAULT_SCAN_PAGE_SIZE = 100;
export const MAX_SCAN_PAGE_SIZE = 1000;

/** Concurrent items at most (each waits for its ReEncrypt slot; the pace, not this, sets the rate). */
export const MAX_REWRAP_CONCURRENCY = 256;

/**
 * Times one item is re-read and re-wrapped after an application wrote it between the job's read and its
 * conditional write; past this the item is refused (ConcurrentWritesError) and reported, never forced.
 */
export const MAX_CONFLICT_RETRIES = 5;

/** Refused items the checkpoint and the final report name (the count covers all of them). */
export const REFUSED_SAMPLE_SIZE = 20;

/**
 * The function's timeout assumed when it runs without a Lambda context (locally): Lambda's maximum. A
 * slice stops taking new items {@link SLICE_SAFETY_MARGIN_MS} before its invocation's end.
 */
export const DEFAULT_REWRAP_FUNCTION_TIMEOUT_SECONDS = 900;

/**
 * Time a slice keeps back: it starts no new item once less than this is left, so the items in flight,
 * their conflict retries, the metrics and the answer all fit before Lambda's timeout.
 */
export const SLICE_SAFETY_MARGIN_MS = 20_000;

/** The job's request: the state machine's execution input. */
export interface RewrapRequest {
  /** The DynamoDB table holding the wrapped data keys (a name in the function's account and Region). */
  readonly tableName: string;
  /** The table's key attribute names, as its key schema has them. */
  readonly key: { readonly partition: string; readonly sort?: string };
  /**
   * The attribute holding each item's KMS ciphertext: binary (`B`), or a base64 string (`S`); an item keeps
   * its type when rewritten.
   */
  readonly ciphertextAttribute: string;
  /** The KMS key to re-wrap under (key id, key ARN, alias name or alias ARN), at its current key material. */
  readonly targetKeyId: string;
  /**
   * KMS keys (ids, ARNs or aliases) whose ciphertexts the job may re-wrap. A ciphertext under any other key
   * is refused (SourceKeyNotAllowedError) and left as it is. The target key is always allowed (a ciphertext
   * under its older key material is re-wrapped to the current one).
   */
  readonly allowedSourceKeyIds: readonly string[];
  /**
   * The encryption context each ciphertext was made with, as item attributes: context key → attribute name
   * (a string or number attribute). Used for both sides of ReEncrypt, so the context stays the same.
   */
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** The account's symmetric cryptographic-operations quota, requests/s. @default 10,000 */
  readonly quotaPerSecond?: number;
  /** The share of the quota the job uses, 0 < fraction ≤ 0.5. @default 0.1 */
  readonly fraction?: number;
  /** Items per Scan page (1-1,000). @default 100 */
  readonly pageSize?: number;
  /**
   * A parallel scan's segment: run one job per segment (0 to totalSegments - 1) side by side; each paces at
   * its share (quota × fraction ÷ totalSegments), so together they keep to the fraction. @default 0 of 1
   */
  readonly segment?: number;
  readonly totalSegments?: number;
  /** Items in flight at once. @default from the pace: enough for ~50 ms per item, 1-64 */
  readonly concurrency?: number;
}

/** What a job has counted so far (each item counted once, in one of the outcome counts). */
export interface RewrapCounts {
  /** Items read by the scan and settled (the sum of the five outcome counts below). */
  readonly scanned: number;
  /** Written back under the target key's current material. */
  readonly rewrapped: number;
  /** Already under the target key's current material: nothing written. */
  readonly alreadyCurrent: number;
  /** Deleted (or its ciphertext removed) by an application while the job had it in hand: nothing written. */
  readonly skippedDeleted: number;
  /** Left as they are, with a named reason (see {@link RefusedItem}). */
  readonly refused: number;
  /** Events, not items: conditional writes lost to an application's write, each followed by a re-read. */
  readonly conflictsRetried: number;
  /** Events, not items: ReEncrypt calls KMS throttled, each followed by a pause of the whole job. */
  readonly throttled: number;
}

/** A key attribute as the checkpoint holds it (binary keys in base64): JSON, for execution history. */
export type CheckpointKeyValue = { readonly S: string } | { readonly N: string } | { readonly B: string };
export type CheckpointKey = Readonly<Record<string, CheckpointKeyValue>>;

/** An item the job left as it was, and why (the name of one of the item-level errors in errors.ts). */
export interface RefusedItem {
  readonly key: CheckpointKey;
  readonly error: string;
}

/**
 * How the job tells an item is already current. `key-material`: ReEncrypt reported the key material on
 * both sides (SourceKeyMaterialId, DestinationKeyMaterialId: AWS KMS does for symmetric keys) and they
 * are the same, under the target key. `key-id`: the KMS in use reports no key material (moto), so a
 * ciphertext already under the target key counts as current whatever its material.
 */
export type MaterialCheck = 'key-material' | 'key-id';

/** Where a job stands: the state machine keeps the last one and passes it to the next slice. */
export interface RewrapCheckpoint {
  readonly tableName: string;
  /** Where the next Scan page starts; null: at the start (or the scan is complete). */
  readonly lastEvaluatedKey: CheckpointKey | null;
  /** The scan read the whole table (segment) and every item is settled. */
  readonly scanComplete: boolean;
  readonly counts: RewrapCounts;
  /** ISO 8601: when the job's first slice started. */
  readonly startedAt: string;
  /** ISO 8601: when the current pass started (a pass starts over when the target key's material changes). */
  readonly passStartedAt: string;
  /** 1, or more when the target key was rotated during the job and the scan started over. */
  readonly pass: number;
  /** The target key, resolved once (an alias re-pointed mid-job does not change the job). */
  readonly targetKeyArn: string;
  /** The target's current key material as ReEncrypt reported it; null before the first call or when unreported. */
  readonly targetKeyMaterialId: string | null;
  /** Null before the first ReEncrypt. */
  readonly materialCheck: MaterialCheck | null;
  /** The allowed source keys, resolved once to key ids. */
  readonly allowedSourceKeyIds: readonly string[];
  /** The first refused items (at most {@link REFUSED_SAMPLE_SIZE}). */
  readonly refusedSample: readonly RefusedItem[];
}

/** Progress as metrics and the state carry it. */
export interface RewrapEstimate {
  /** From DescribeTable's ItemCount (refreshed by DynamoDB about every six hours): an estimate. */
  readonly itemsRemaining: number;
  readonly percentComplete: number;
  /** At the rate measured so far; null before anything was measured. */
  readonly secondsLeft: number | null;
}

/** A slice's answer: the state machine loops until `done`. */
export interface RewrapProgress {
  readonly done: boolean;
  /** Done, with items refused: the execution fails with `verdict` (after the audit event). */
  readonly itemsRefused: boolean;
  readonly checkpoint: RewrapCheckpoint;
  readonly estimate: RewrapEstimate;
  readonly verdict?: { readonly error: string; readonly cause: string };
  /** The job's result, when done. */
  readonly summary?: RewrapSummary;
}

export interface RewrapSummary {
  readonly jobId: string;
  readonly tableName: string;
  readonly targetKeyArn: string;
  readonly targetKeyMaterialId: string | null;
  readonly materialCheck: MaterialCheck | null;
  readonly counts: RewrapCounts;
  readonly passes: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly refusedSample: readonly RefusedItem[];
}

/** `detail-type` of the re-wrap job's audit events (source `keyturn.rotation`, on the audit bus). */
export const RewrapAuditEventType = {
  /** The first slice: the table, the target key, the allowed sources and the pace. */
  Started: 'RewrapStarted',
  /** The scan is complete: the counts (and the refused items, if any). */
  Completed: 'RewrapCompleted',
  /** The job stopped on an error (after the state machine's retries): the counts so far. */
  Failed: 'RewrapFailed',
} as const;
export type RewrapAuditEventTypeName = (typeof RewrapAuditEventType)[keyof typeof RewrapAuditEventType];
