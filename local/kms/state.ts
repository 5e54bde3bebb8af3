import { randomUUID } from 'node:crypto';
import { notFound, validation } from './errors';
import { newHmacSecret, newKeyPair, newSymmetricMaterial } from './key-material';
import { KEY_SPEC_PROFILES, type SupportedKeySpec, type SupportedKeyUsage } from './key-specs';
import type { KeyOrigin, KmsKey } from './keys';
import { DEFAULT_ROTATION_PERIOD_DAYS, settleRotations, type RotationRecord } from './rotation';

/**
 * The keys and aliases of one account in one Region, and how a request's KeyId finds a key: a
 * key id, a key ARN, and (where the operation allows) an alias name or alias ARN. Time moves
 * only through `settle(now)`: due rotations complete and keys past their deletion date go away.
 */

export interface KmsLocation {
  readonly region: string;
  readonly accountId: string;
}

export interface KmsAlias {
  readonly name: string;
  targetKeyId: string;
  readonly createdAt: Date;
  updatedAt: Date;
}

export interface NewKey {
  readonly spec: SupportedKeySpec;
  readonly usage: SupportedKeyUsage;
  readonly origin: KeyOrigin;
  readonly description: string;
  readonly policy?: string;
  readonly tags: ReadonlyMap<string, string>;
}

const MAX_KEY_ID_LENGTH = 2048;

export class KmsState {
  readonly keys = new Map<string, KmsKey>();
  readonly aliases = new Map<string, KmsAlias>();

  constructor(readonly location: KmsLocation) {}

  keyArn(keyId: string): string {
    return `arn:aws:kms:${this.location.region}:${this.location.accountId}:key/${keyId}`;
  }

  aliasArn(aliasName: string): string {
    return `arn:aws:kms:${this.location.region}:${this.location.accountId}:${aliasName}`;
  }

  createKey(input: NewKey, now: Date): KmsKey {
    const keyId = randomUUID();
    const family = KEY_SPEC_PROFILES[input.spec].family;
    // Imported-material keys start with no material at all (PendingImport).
    const withMaterial = input.origin === 'AWS_KMS';
    const key: KmsKey = {
      keyId,
      arn: this.keyArn(keyId),
      createdAt: now,
      spec: input.spec,
      usage: input.usage,
      origin: input.origin,
      description: input.description,
      state: withMaterial ? 'Enabled' : 'PendingImport',
      policy: input.policy ?? this.defaultPolicy(),
      tags: new Map(input.tags),
      materials: withMaterial && family === 'symmetric' ? [newSymmetricMaterial(now)] : [],
      ...(withMaterial && (family === 'rsa' || family === 'ecc') ? { keyPair: newKeyPair(input.spec) } : {}),
      ...(withMaterial && family === 'hmac' ? { hmacSecret: newHmacSecret(input.spec) } : {}),
      rotation: { enabled: false, periodInDays: DEFAULT_ROTATION_PERIOD_DAYS },
      onDemand: { started: 0 },
    };
    this.keys.set(keyId, key);
    return key;
  }

  /** The key a KeyId names. Aliases name keys only for the operations that take them (crypto, DescribeKey). */
  find(identifier: unknown, options: { readonly allowAlias: boolean }): KmsKey {
    if (typeof identifier !== 'string' || identifier.length < 1 || identifier.length > MAX_KEY_ID_LENGTH) {
      throw validation(
        `1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and ${MAX_KEY_ID_LENGTH}`,
      );
    }
    const aliasName = this.aliasNameOf(identifier);
    if (aliasName !== undefined) {
      if (!options.allowAlias) throw notFound(`Invalid keyId ${identifier}`);
      const alias = this.aliases.get(aliasName);
      const key = alias && this.keys.get(alias.targetKeyId);
      if (!key) throw notFound(`Alias ${this.aliasArn(aliasName)} is not found.`);
      return key;
    }
    const keyPrefix = `arn:aws:kms:${this.location.region}:${this.location.accountId}:key/`;
    const keyId = identifier.startsWith('arn:') ? identifier.slice(keyPrefix.length) : identifier;
    const key = identifier.startsWith('arn:') && !identifier.startsWith(keyPrefix) ? undefined : this.keys.get(keyId);
    if (!key)
      throw notFound(`Key '${identifier.startsWith('arn:') ? identifier : this.keyArn(identifier)}' does not exist`);
    return key;
  }

  /** `alias/x` for `alias/x` or this account's and Region's alias ARN; undefined when not an alias. */
  aliasNameOf(identifier: string): string | undefined {
    if (identifier.startsWith('alias/')) return identifier;
    const prefix = `arn:aws:kms:${this.location.region}:${this.location.accountId}:`;
    if (identifier.startsWith(prefix) && identifier.slice(prefix.length).startsWith('alias/')) {
      return identifier.slice(prefix.length);
    }
    return undefined;
  }

  aliasesOf(keyId: string): KmsAlias[] {
    return [...this.aliases.values()].filter((alias) => alias.targetKeyId === keyId);
  }

  /** Completes what is due by `now`; returns the rotations that completed. */
  settle(now: Date, onDemandDurationMs: number): RotationRecord[] {
    const rotations: RotationRecord[] = [];
    for (const key of [...this.keys.values()]) {
      if (key.state === 'PendingDeletion' && key.deletionDate && key.deletionDate.getTime() <= now.getTime()) {
        this.deleteKey(key.keyId);
        continue;
      }
      rotations.push(...settleRotations(key, now, onDemandDurationMs));
    }
    return rotations;
  }

  private deleteKey(keyId: string): void {
    this.keys.delete(keyId);
    for (const alias of this.aliasesOf(keyId)) this.aliases.delete(alias.name);
  }

  /** The default key policy KMS gives a key created without one: the account root may do everything. */
  private defaultPolicy(): string {
    return JSON.stringify(
      {
        Version: '2012-10-17',
        Id: 'key-default-1',
        Statement: [
          {
            Sid: 'Enable IAM User Permissions',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${this.location.accountId}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      },
      null,
      2,
    );
  }
}
