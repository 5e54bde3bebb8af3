import { ArnFormat, Duration, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TAG_PREFIX } from '../../../functions/strategies/tag-options';
import type { RotatableKeyUsage } from '../../policy/key-specs';
import { SYMMETRIC_ENCRYPTION_SPEC } from '../../policy/key-specs';
import type { ResolvedKey } from '../../policy/resolve-keys';

/** The tag naming a key's policy entry, on every key keyturn creates (and so on its replacements, which copy tags). */
export const KEY_ENTRY_TAG = `${TAG_PREFIX}entry`;
/** The tag naming the owning team, as on the secrets keyturn manages. */
export const KEY_OWNER_TAG = `${TAG_PREFIX}owner`;

/** The cryptographic actions that prove a key of each usage (functions/kms-key/key-check.ts, the canary). */
export const ROUND_TRIP_ACTIONS: Readonly<Record<RotatableKeyUsage, readonly string[]>> = {
  ENCRYPT_DECRYPT: ['kms:Encrypt', 'kms:Decrypt'],
  SIGN_VERIFY: ['kms:Sign', 'kms:Verify', 'kms:GetPublicKey'],
  GENERATE_VERIFY_MAC: ['kms:GenerateMac', 'kms:VerifyMac'],
};
const ANY_ROUND_TRIP = [...new Set(Object.values(ROUND_TRIP_ACTIONS).flat())];

/** One key of the policy, as the rotation's permissions, schedules and state machine need it. */
export interface RotatedKey {
  readonly entry: ResolvedKey;
  /** The key: created here, or imported by ARN. */
  readonly key: kms.IKey;
  /** The key id (a token for a created key): what a replacement's `keyturn:replaces` tag holds. */
  readonly keyId: string;
  /** The ARN of the alias the entry names (it moves to a replacement). */
  readonly aliasArn?: string;
  /**
   * Whether a run may replace the key: a created asymmetric or HMAC key, and any adopted key (keyturn cannot know
   * its spec, origin or store at synthesis). A created symmetric encryption key only ever rotates its material.
   */
  readonly replaceable: boolean;
  /** The cryptographic actions a run's round trip with the key (and with its replacement) calls. */
  readonly roundTripActions: readonly string[];
}

/** Properties of {@link RotatedKeys}. */
export interface RotatedKeysProps {
  /** The policy's keys, defaults applied. At least one. */
  readonly keys: readonly ResolvedKey[];
}

/** Thrown when a key of the policy cannot be built as it is; the message names the entry and the bad value. */
export class RotatedKeysValidationError extends Error {
  override readonly name = 'RotatedKeysValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/**
 * The policy's KMS keys. A `create` key is a `kms.Key` of the entry's spec and usage, with KMS's automatic rotation
 * when the entry asks for it, the entry's alias, tags `keyturn:entry=<id>`, `keyturn:owner=<team>` and the entry's own, and
 * `RemovalPolicy.RETAIN` (its ciphertexts and signatures outlive any stack); its key policy is CDK's default, which
 * lets IAM policies of the account grant its use. An `adopt` key is imported by ARN: it must be in the stack's
 * account and Region, and its own key policy decides whether keyturn's grants take effect.
 */
export class RotatedKeys extends Construct {
  public readonly keys: readonly RotatedKey[];

  constructor(scope: Construct, id: string, props: RotatedKeysProps) {
    super(scope, id);
    if (props.keys.length === 0) throw new RotatedKeysValidationError(this, 'keys must name at least one key');
    this.keys = props.keys.map((entry) => (entry.create ? this.created(entry) : this.adopted(entry)));
  }

  private created(entry: ResolvedKey): RotatedKey {
    const create = entry.create;
    if (!create) throw new RotatedKeysValidationError(this, `key "${entry.id}" is not created by keyturn`);
    const symmetric = create.keySpec === SYMMETRIC_ENCRYPTION_SPEC;
    const key = new kms.Key(this, entry.id, {
      description: create.description ?? `keyturn: ${entry.id} (${create.alias})`,
      keySpec: kms.KeySpec[create.keySpec],
      keyUsage: kms.KeyUsage[create.keyUsage],
      enableKeyRotation: entry.automaticRotation !== undefined,
      ...(entry.automaticRotation ? { rotationPeriod: Duration.days(entry.automaticRotation.periodDays) } : {}),
      alias: create.alias,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Tags.of(key).add(KEY_ENTRY_TAG, entry.id);
    Tags.of(key).add(KEY_OWNER_TAG, entry.owner.team);
    for (const [tagKey, value] of Object.entries(entry.tags)) Tags.of(key).add(tagKey, value);
    if (symmetric && entry.automaticRotation === undefined) {
      Validations.of(key.node.defaultChild as kms.CfnKey).acknowledge({
        id: 'AwsSolutions-KMS5',
        reason:
          `Key ${entry.id} (${create.alias}) is rotated on demand by keyturn instead (RotateKeyOnDemand, on the ` +
          `entry's schedule ${entry.schedule?.expression ?? ''}): the policy gives it no automaticRotation. Its old ` +
          'material keeps decrypting, as with automatic rotation.',
      });
    }
    return {
      entry,
      key,
      keyId: key.keyId,
      aliasArn: this.aliasArn(create.alias),
      replaceable: !symmetric,
      roundTripActions: ROUND_TRIP_ACTIONS[create.keyUsage],
    };
  }

  private adopted(entry: ResolvedKey): RotatedKey {
    const adopt = entry.adopt;
    if (!adopt) throw new RotatedKeysValidationError(this, `key "${entry.id}" is not adopted`);
    const arn = Stack.of(this).splitArn(adopt.arn, ArnFormat.SLASH_RESOURCE_NAME);
    const stack = Stack.of(this);
    for (const [what, theirs, ours] of [
      ['account', arn.account, stack.account],
      ['Region', arn.region, stack.region],
    ] as const) {
      if (!Token.isUnresolved(ours) && theirs !== ours) {
        throw new RotatedKeysValidationError(
          this,
          `key "${entry.id}": ${adopt.arn} is in ${what} ${theirs ?? 'unknown'}, the stack in ${ours}: ` +
            "keyturn rotates keys of its own account and Region (KMS's tagging and alias calls work on those only)",
        );
      }
    }
    return {
      entry,
      key: kms.Key.fromKeyArn(this, entry.id, adopt.arn),
      keyId: adopt.keyId,
      ...(adopt.alias === undefined ? {} : { aliasArn: this.aliasArn(adopt.alias) }),
      replaceable: true,
      roundTripActions: ANY_ROUND_TRIP,
    };
  }

  /** `arn:<partition>:kms:<region>:<account>:alias/<name>` for `alias/<name>`. */
  private aliasArn(aliasName: string): string {
    return Stack.of(this).formatArn({
      service: 'kms',
      resource: 'alias',
      resourceName: aliasName.slice('alias/'.length),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}
