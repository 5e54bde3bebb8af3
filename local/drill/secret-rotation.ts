import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ManagementTag } from '../../functions/shared/management-tags';
import { rotateNow } from '../rotate-now';
import { LOCAL_ROTATION_FUNCTION_ARN, type LocalStack } from '../stack';
import type { Check, SecretReport, VersionLine } from './report';

/** Every drill secret is keyturn-managed; the lifecycle reads its settings from these tags. */
const MANAGED = { [ManagementTag.managed]: 'true' };

/** The fields of a database secret the drill's checks read. */
export interface DbSecret {
  readonly username: string;
  readonly password: string;
}

export async function versions(client: SecretsManagerClient, secretId: string): Promise<VersionLine[]> {
  const out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.entries(out.VersionIdsToStages ?? {})
    .map(([versionId, stages]) => ({ versionId, stages }))
    .sort((a, b) => (a.stages.includes('AWSCURRENT') ? -1 : b.stages.includes('AWSCURRENT') ? 1 : 0));
}

export async function value(client: SecretsManagerClient, secretId: string, stage: string): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  return out.SecretString ?? '';
}

export async function secretArn(client: SecretsManagerClient, secretId: string): Promise<string> {
  return (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).ARN as string;
}

/** A plain secret the rotated ones depend on (a master user's), not rotated by the drill. */
export async function createSecret(stack: LocalStack, name: string, secretValue: string): Promise<string> {
  const created = await stack.client.send(new CreateSecretCommand({ Name: name, SecretString: secretValue }));
  return created.ARN as string;
}

/** What one drill rotation is: a managed secret, its strategy, and the checks on the result. */
export interface DrillRotation {
  readonly name: string;
  readonly strategy: string;
  readonly value: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly checks: (current: string, previous: string) => Promise<Check[]>;
}

/** Creates the secret, rotates it through RotateSecret and collects the before/after picture. */
export async function rotate(stack: LocalStack, drill: DrillRotation): Promise<SecretReport> {
  const created = await stack.client.send(
    new CreateSecretCommand({
      Name: drill.name,
      SecretString: drill.value,
      Tags: Object.entries({ ...MANAGED, ...drill.tags }).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const arn = created.ARN as string;
  const before = await versions(stack.client, arn);
  const t0 = performance.now();
  const record = await rotateNow(stack, arn);
  const rotationMs = performance.now() - t0;
  const succeeded = record.outcome === 'succeeded';
  return {
    name: drill.name,
    strategy: drill.strategy,
    before,
    after: await versions(stack.client, arn),
    rotationMs,
    succeeded,
    failure: record.error ? `${record.error.name} at ${record.step ?? '?'}: ${record.error.message}` : undefined,
    checks: succeeded
      ? await drill.checks(await value(stack.client, arn, 'AWSCURRENT'), await value(stack.client, arn, 'AWSPREVIOUS'))
      : [],
  };
}

/**
 * Runs one of the lifecycle's tasks on the version labelled AWSPREVIOUS, as a lifecycle execution would after
 * its grace window: `drain` (is the old credential still used?) or `revoke` (at its issuer). The task's answer.
 */
export async function onPrevious(
  stack: LocalStack,
  secretId: string,
  task: 'drain' | 'revoke',
): Promise<{ readonly arn: string; readonly output: unknown }> {
  const arn = await secretArn(stack.client, secretId);
  const previousVersionId = (await versions(stack.client, arn)).find((v) =>
    v.stages.includes('AWSPREVIOUS'),
  )?.versionId;
  const output = await stack.rotationHandler({
    task,
    secretArn: arn,
    previousVersionId,
    rotation: {
      id: randomUUID(),
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:keyturn-lifecycle:drill',
      startedAt: new Date().toISOString(),
      trigger: 'on-demand',
      emergency: false,
      functionArn: LOCAL_ROTATION_FUNCTION_ARN,
      drainWaited: { seconds: 0 },
    },
  });
  return { arn, output };
}

/** The lifecycle's revoke task on AWSPREVIOUS: for drills whose old credential is revoked at its issuer. */
export async function revokePrevious(stack: LocalStack, secretId: string): Promise<string> {
  return (await onPrevious(stack, secretId, 'revoke')).arn;
}
