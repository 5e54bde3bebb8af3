import type { KeyFacts, KeyMaterialRecord, KeyRotationRecord } from './key-facts';
import type { ReplacementKeyRequest, Tag } from './replacement-key';

/**
 * The KMS calls the kms-key lifecycle makes, in keyturn's terms. `kms-client.ts` implements it with the AWS
 * SDK (errors mapped to the named errors in errors.ts); the domain modules receive it, so they stay testable.
 * Nothing here returns or takes a plaintext the caller keeps: verification round trips compare digests.
 */
export interface KmsKeyApi {
  /** DescribeKey by id, ARN or alias; KmsKeyNotFoundError when there is none. */
  describeKey(keyId: string): Promise<KeyFacts>;
  /** The key an alias points at, or undefined when the alias does not exist. */
  aliasTarget(aliasName: string): Promise<string | undefined>;
  /** Completed rotations, oldest first (ListKeyRotations, every page). */
  listRotations(keyId: string): Promise<readonly KeyRotationRecord[]>;
  /** The key's materials (ListKeyRotations with IncludeKeyMaterial ALL_KEY_MATERIAL), for imported material. */
  listMaterials(keyId: string): Promise<readonly KeyMaterialRecord[]>;
  /** When an on-demand rotation in progress started (GetKeyRotationStatus), or undefined. */
  onDemandRotationInProgress(keyId: string): Promise<Date | undefined>;
  /** RotateKeyOnDemand. Resolves `in-progress` when KMS answers that one already runs (ConflictException). */
  rotateOnDemand(keyId: string): Promise<'started' | 'in-progress'>;

  /** A round trip that proves the key does its job (encrypt/decrypt, sign/verify, MAC/verify): see key-check.ts. */
  check(key: KeyFacts): Promise<KeyCheckResult>;
  /** Encrypts random bytes: the ciphertext and the digest of the plaintext (which is dropped). */
  sealCanary(keyId: string): Promise<SealedCanary>;
  /** Decrypts a canary and compares digests: proves an old ciphertext still decrypts. */
  openCanary(canary: SealedCanary): Promise<{ readonly matches: boolean; readonly keyMaterialId?: string }>;

  /** GetKeyLastUsage: the key's last successful cryptographic use, as KMS tracks it. */
  lastUse(keyId: string): Promise<KeyLastUse>;

  /**
   * Consumers' calls naming the key that KMS refused for its state since a time (CloudTrail event history, by
   * the key's ARN; see isConsumerRefusal): a disabled key's consumers show up here only. 'unavailable' when the
   * event history cannot be read.
   */
  refusedUsesSince(keyArn: string, since: Date): Promise<readonly RefusedUse[] | 'unavailable'>;

  keyPolicy(keyId: string): Promise<string>;
  tags(keyId: string): Promise<readonly Tag[]>;
  tag(keyId: string, tags: readonly Tag[]): Promise<void>;
  untag(keyId: string, tagKeys: readonly string[]): Promise<void>;
  createKey(request: ReplacementKeyRequest): Promise<KeyFacts>;
  /** Every customer key id in the account and Region (ListKeys, every page), for a retry's search. */
  listKeyIds(): Promise<readonly string[]>;
  /** Points an existing alias at a key (UpdateAlias), or creates it (CreateAlias). */
  pointAlias(aliasName: string, keyId: string): Promise<void>;
  enableKey(keyId: string): Promise<void>;
  disableKey(keyId: string): Promise<void>;
  /** ScheduleKeyDeletion; resolves the deletion date. */
  scheduleDeletion(keyId: string, pendingWindowInDays: number): Promise<Date>;
  cancelDeletion(keyId: string): Promise<void>;
}

export interface KeyCheckResult {
  readonly ok: boolean;
  /** What was proven or what failed, without values: "encrypt+decrypt round trip", "signature verified". */
  readonly detail: string;
  /** The material that did the check, when KMS reports it (symmetric keys). */
  readonly keyMaterialId?: string;
}

/** A ciphertext of random bytes and the SHA-256 of those bytes: safe to keep in state machine history. */
export interface SealedCanary {
  readonly keyId: string;
  /** base64 */
  readonly ciphertext: string;
  /** hex SHA-256 of the plaintext */
  readonly plaintextDigest: string;
  readonly keyMaterialId?: string;
}

/** What GetKeyLastUsage says: no `at` means no successful use since `trackingSince`. */
export interface KeyLastUse {
  readonly at?: Date;
  /** `Decrypt`, `Sign`, … */
  readonly operation?: string;
  readonly cloudTrailEventId?: string;
  /** When KMS began recording uses of this key (or its creation, whichever is later). */
  readonly trackingSince?: Date;
}

/** A call CloudTrail recorded as refused for the key (`DisabledException`, `KMSInvalidStateException`, ...). */
export interface RefusedUse {
  readonly eventName: string;
  readonly at: Date;
  readonly errorCode: string;
}
