import { DescribeKeyCommand, type KeyMetadata, type KMSClient } from '@aws-sdk/client-kms';
import { InvalidRewrapRequestError, TargetKeyUnusableError } from './errors';

/**
 * The job's KMS keys, resolved once when it starts: the target to its key ARN (an alias re-pointed during
 * the job does not change where items go), the allowed sources to key ids. ReEncrypt reports keys by ARN;
 * they are compared by key id, the part after `key/`.
 */

/** The key id of a key ARN (`arn:...:key/<id>`), or the id itself. */
export function keyIdOf(keyArnOrId: string): string {
  const marker = keyArnOrId.lastIndexOf(':key/');
  return marker >= 0 ? keyArnOrId.slice(marker + ':key/'.length) : keyArnOrId;
}

const isAlias = (reference: string): boolean => reference.startsWith('alias/') || reference.includes(':alias/');

async function describe(kms: KMSClient, reference: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: reference }))).KeyMetadata;
  } catch (error) {
    if ((error as Error | undefined)?.name === 'NotFoundException') return undefined;
    throw error;
  }
}

/** Why `metadata` cannot be a target, or undefined when it can (enabled, symmetric, for encryption). */
export function targetKeyProblem(metadata: KeyMetadata | undefined): string | undefined {
  if (metadata === undefined) return 'it does not exist (or this function cannot see it)';
  if (metadata.KeyState !== undefined && metadata.KeyState !== 'Enabled') return `its state is ${metadata.KeyState}`;
  if (metadata.Enabled === false) return 'it is disabled';
  if (metadata.KeyUsage !== undefined && metadata.KeyUsage !== 'ENCRYPT_DECRYPT') {
    return `its key usage is ${metadata.KeyUsage}, not ENCRYPT_DECRYPT`;
  }
  const spec = metadata.KeySpec;
  if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') return `its key spec is ${spec}, not SYMMETRIC_DEFAULT`;
  return undefined;
}

/** The target key's ARN, after checking it can take ciphertexts; TargetKeyUnusableError otherwise. */
export async function resolveTargetKey(kms: KMSClient, reference: string): Promise<string> {
  const metadata = await describe(kms, reference);
  const problem = targetKeyProblem(metadata);
  if (problem !== undefined || metadata?.Arn === undefined) {
    throw new TargetKeyUnusableError(`the target key ${reference} cannot be used: ${problem ?? 'KMS returned no ARN'}`);
  }
  return metadata.Arn;
}

/** Whether the target key still takes ciphertexts (re-checked when a ReEncrypt fails on a key's state). */
export async function targetKeyUsable(kms: KMSClient, targetKeyArn: string): Promise<string | undefined> {
  return targetKeyProblem(await describe(kms, targetKeyArn));
}

/** The allowed sources as key ids: aliases through DescribeKey (one that does not exist is an input error). */
export async function resolveAllowedSources(kms: KMSClient, references: readonly string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const reference of references) {
    if (!isAlias(reference)) {
      ids.add(keyIdOf(reference));
      continue;
    }
    const metadata = await describe(kms, reference);
    if (metadata?.KeyId === undefined) {
      throw new InvalidRewrapRequestError(`invalid re-wrap request (allowedSourceKeyIds: ${reference} does not exist)`);
    }
    ids.add(metadata.KeyId);
  }
  return [...ids];
}
