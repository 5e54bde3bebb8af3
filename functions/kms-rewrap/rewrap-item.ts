import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReEncryptCommandInput, ReEncryptCommandOutput } from '@aws-sdk/client-kms';
import { describeError } from '../shared/errors';
import { keyOf, type DynamoKey } from './checkpoint';
import { MAX_CONFLICT_RETRIES } from './contract';
import { contextAttributes, encryptionContextOf } from './encryption-context';
import {
  CiphertextAttributeMissingError,
  ConcurrentWritesError,
  EncryptionContextAttributeError,
  SourceKeyNotAllowedError,
  SourceKeyUnusableError,
  TargetKeyUnusableError,
  UnreadableCiphertextError,
} from './errors';
import { keyIdOf } from './kms-keys';
import { readCiphertext, storedLike, type StoredCiphertext } from './stored-ciphertext';

/**
 * One item of the table: its ciphertext re-wrapped under the target key's current material, or left as it
 * is for a reason. The rule that keeps applications' data safe: the job only ever writes with a condition
 * that the ciphertext (and the attributes of its encryption context) still hold what it read. When an
 * application wrote the item in between, its write wins: the job re-reads the item (consistent read) and
 * re-wraps what the application wrote, or finds it deleted, and never overwrites it.
 */

export type ItemOutcome =
  | { readonly kind: 'rewrapped'; readonly destinationMaterialId?: string }
  | { readonly kind: 'alreadyCurrent'; readonly destinationMaterialId?: string }
  | { readonly kind: 'skippedDeleted' }
  /** Left as it was; `error` is the name of an item-level error of errors.ts. */
  | { readonly kind: 'refused'; readonly error: string; readonly message: string };

export interface ItemContext {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly keyNames: readonly string[];
  readonly ciphertextAttribute: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly targetKeyArn: string;
  readonly allowedSourceKeyIds: ReadonlySet<string>;
  /** ReEncrypt, paced and backed off (paced-reencrypt.ts). */
  readonly reEncrypt: (input: ReEncryptCommandInput) => Promise<ReEncryptCommandOutput>;
  /** Why the target key cannot take ciphertexts now, or undefined (asked when a ReEncrypt fails on a key's state). */
  readonly targetKeyProblem: () => Promise<string | undefined>;
  /** Told about every conditional write lost to an application's write. */
  readonly onConflict: () => void;
  /** A test's hook between the ReEncrypt and the conditional write (an application writing just then). */
  readonly beforeWrite?: (key: DynamoKey) => Promise<void>;
}

/** KMS errors about a key's state or access: the ciphertext's key, unless the target's is the problem. */
const KEY_STATE_ERRORS = new Set([
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'KeyUnavailableException',
  'AccessDeniedException',
]);
/** KMS errors about the ciphertext itself. */
const CIPHERTEXT_ERRORS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

const refused = (error: Error): ItemOutcome => ({ kind: 'refused', error: error.name, message: error.message });

export async function rewrapItem(scanned: Record<string, AttributeValue>, ctx: ItemContext): Promise<ItemOutcome> {
  const key = keyOf(scanned, ctx.keyNames);
  const targetKeyId = keyIdOf(ctx.targetKeyArn);
  let item = scanned;
  for (let attempt = 0; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    const read = readCiphertext(item, ctx.ciphertextAttribute);
    if (!read.found) {
      if (read.reason === 'not-base64') {
        return refused(new UnreadableCiphertextError(`${ctx.ciphertextAttribute} is a string but not base64`));
      }
      // Gone after an application's write: it removed the ciphertext. Never there: the item has none to re-wrap.
      if (attempt > 0) return { kind: 'skippedDeleted' };
      return refused(new CiphertextAttributeMissingError(`the item has no ${ctx.ciphertextAttribute}`));
    }
    const context = encryptionContextOf(item, ctx.encryptionContext);
    if (!context.ok) {
      return refused(
        new EncryptionContextAttributeError(
          `encryption context attribute ${context.attribute} is missing or not scalar`,
        ),
      );
    }

    let output: ReEncryptCommandOutput;
    try {
      output = await ctx.reEncrypt({
        CiphertextBlob: read.value.ciphertext,
        DestinationKeyId: ctx.targetKeyArn,
        SourceEncryptionContext: context.context,
        DestinationEncryptionContext: context.context,
      });
    } catch (error) {
      return await kmsRefusal(error, ctx);
    }

    const sourceKeyId = output.SourceKeyId === undefined ? undefined : keyIdOf(output.SourceKeyId);
    const underTarget = sourceKeyId === targetKeyId;
    if (!underTarget && (sourceKeyId === undefined || !ctx.allowedSourceKeyIds.has(sourceKeyId))) {
      return refused(
        new SourceKeyNotAllowedError(
          `the ciphertext is under KMS key ${sourceKeyId ?? '(not reported)'}, outside the allowed source keys`,
        ),
      );
    }
    const destinationMaterialId = output.DestinationKeyMaterialId;
    if (underTarget && isCurrentMaterial(output)) return { kind: 'alreadyCurrent', destinationMaterialId };
    if (output.CiphertextBlob === undefined || output.CiphertextBlob.length === 0) {
      throw new TargetKeyUnusableError('ReEncrypt returned no ciphertext');
    }

    await ctx.beforeWrite?.(key);
    if (await conditionalWrite(ctx, key, item, read.value, output.CiphertextBlob)) {
      return { kind: 'rewrapped', destinationMaterialId };
    }
    // An application wrote the item since it was read: its write wins. Re-read, and re-wrap that.
    ctx.onConflict();
    const current = await ctx.dynamodb.send(
      new GetItemCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: true }),
    );
    if (current.Item === undefined) return { kind: 'skippedDeleted' };
    item = current.Item;
  }
  return refused(
    new ConcurrentWritesError(
      `the item changed under the job ${MAX_CONFLICT_RETRIES + 1} times in a row; left to the application`,
    ),
  );
}

/**
 * Already under the target's current material: the material ids match when KMS reports them (AWS KMS does
 * for symmetric keys); without them (moto), being under the target key is all that can be told.
 */
function isCurrentMaterial(output: ReEncryptCommandOutput): boolean {
  if (output.SourceKeyMaterialId === undefined || output.DestinationKeyMaterialId === undefined) return true;
  return output.SourceKeyMaterialId === output.DestinationKeyMaterialId;
}

/** Writes the re-wrapped ciphertext if the item still holds what was read; false when it does not (or is gone). */
async function conditionalWrite(
  ctx: ItemContext,
  key: DynamoKey,
  item: Record<string, AttributeValue>,
  read: StoredCiphertext,
  ciphertext: Uint8Array,
): Promise<boolean> {
  const names: Record<string, string> = { '#c': ctx.ciphertextAttribute };
  const values: Record<string, AttributeValue> = { ':next': storedLike(read, ciphertext), ':read': read.stored };
  const conditions = ['#c = :read'];
  Object.entries(contextAttributes(item, ctx.encryptionContext)).forEach(([attribute, value], i) => {
    names[`#x${i}`] = attribute;
    values[`:x${i}`] = value;
    conditions.push(`#x${i} = :x${i}`);
  });
  try {
    await ctx.dynamodb.send(
      new UpdateItemCommand({
        TableName: ctx.tableName,
        Key: key,
        UpdateExpression: 'SET #c = :next',
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error | undefined)?.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** What a failed ReEncrypt means for the item, or for the job (thrown). */
async function kmsRefusal(error: unknown, ctx: ItemContext): Promise<ItemOutcome> {
  const name = (error as Error | undefined)?.name ?? '';
  if (CIPHERTEXT_ERRORS.has(name)) {
    return refused(new UnreadableCiphertextError(`KMS cannot read the ciphertext (${name})`));
  }
  if (KEY_STATE_ERRORS.has(name)) {
    const problem = await ctx.targetKeyProblem();
    if (problem !== undefined) {
      throw new TargetKeyUnusableError(`the target key ${ctx.targetKeyArn} cannot be used: ${problem}`);
    }
    return refused(new SourceKeyUnusableError(`KMS refused to decrypt with the ciphertext's key (${name})`));
  }
  // Anything else (throttling outlasting the slice is SliceTimeUp, thrown before) stops the slice.
  if (error instanceof Error) throw error;
  throw new Error(describeError(error));
}
