import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { LocalStack } from '../../local/stack';
import { rotateNow } from '../../local/rotate-now';
import { LOCAL_ROTATION_FUNCTION_ARN } from '../../local/stack';

/** The part of a database secret's JSON that tests look at. */
export interface DbSecret {
  readonly username: string;
  readonly password: string;
}

/**
 * A rotation function that does nothing, for tests that drive the real handler step by step:
 * RotateSecret with it leaves the AWSPENDING placeholder, as a stuck rotation would. Register it
 * with `stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve())`.
 */
export const MANUAL_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:manual-steps';

export interface CreatedSecret {
  readonly arn: string;
  readonly versionId: string;
}

export async function createSecret(
  client: SecretsManagerClient,
  name: string,
  value: string,
  tags: Record<string, string> = {},
): Promise<CreatedSecret> {
  const out = await client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: value,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  return { arn: out.ARN as string, versionId: out.VersionId as string };
}

export interface RotationResult {
  readonly token: string;
  readonly succeeded: boolean;
  readonly errorName?: string;
  readonly errorMessage?: string;
  readonly failedStep?: string;
}

/** Starts a rotation the way Secrets Manager's schedule would, and waits for it to end. */
export async function rotateAndWait(
  stack: LocalStack,
  secretId: string,
  functionArn: string = LOCAL_ROTATION_FUNCTION_ARN,
  token?: string,
): Promise<RotationResult> {
  const record = await rotateNow(stack, secretId, { functionArn, token });
  return {
    token: record.versionId,
    succeeded: record.outcome === 'succeeded',
    errorName: record.error?.name,
    errorMessage: record.error?.message,
    failedStep: record.step,
  };
}

export async function stagesOf(client: SecretsManagerClient, secretId: string): Promise<Record<string, string[]>> {
  const out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return out.VersionIdsToStages ?? {};
}

export async function valueAt(client: SecretsManagerClient, secretId: string, stage: string): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  return out.SecretString as string;
}

export async function jsonAt<T = Record<string, unknown>>(
  client: SecretsManagerClient,
  secretId: string,
  stage: string,
): Promise<T> {
  return JSON.parse(await valueAt(client, secretId, stage)) as T;
}

/** A database secret after one successful rotation: that rotation's version and the AWSCURRENT value it left. */
export async function rotatedOnce(
  stack: LocalStack,
  secretArn: string,
): Promise<{ secretArn: string; versionId: string; current: DbSecret }> {
  const first = await rotateAndWait(stack, secretArn);
  expect(first).toMatchObject({ succeeded: true });
  return { secretArn, versionId: first.token, current: await jsonAt<DbSecret>(stack.client, secretArn, 'AWSCURRENT') };
}
