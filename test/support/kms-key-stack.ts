import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  ListAliasesCommand,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import type { LocalKms } from '../../local/kms';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { loadStateMachine } from '../../local/stepfunctions/definitions';
import { runTestExecution, type TestExecution } from './state-machine-run';

/**
 * The kms-key state machine's tests share this: a local stack with the local KMS (and the CloudTrail it feeds),
 * the real kms-key task function imported once the environment points at it, a KMS client, keys with aliases,
 * and a run of `statemachines/kms-key.asl.json` whose task function a test may wrap (a crash, a consumer's call).
 */

export const KMS_KEY_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-kms-key';
const definition = loadStateMachine('kms-key', { KmsKeyFunction: KMS_KEY_FUNCTION });

/** Settings that run a replacement without waiting: no grace, one drain check, no canary watch, 7 days to deletion. */
export const RUN_AT_ONCE = {
  graceSeconds: 0,
  drainCheckSeconds: 0,
  drainChecks: 1,
  canaryWatchSeconds: 0,
  deletionWindowDays: 7,
};

export type TaskFunction = (event: unknown) => Promise<unknown>;

export interface KmsKeyStack {
  readonly stack: LocalStack;
  readonly localKms: LocalKms;
  readonly kms: KMSClient;
  readonly handler: TaskFunction;
}

/** Starts the stack in beforeAll and stops it in afterAll; the returned getter is valid inside tests. */
export function useKmsKeyStack(): () => KmsKeyStack {
  let current: KmsKeyStack | undefined;
  beforeAll(async () => {
    const stack = await startLocalStack({ kms: true });
    const localKms = stack.kms as LocalKms;
    const kms = new KMSClient({ endpoint: localKms.endpoint, region: 'us-east-1' });
    // The task function builds its clients at import: only now does the environment point at the stack.
    const { handler } = await import('../../functions/kms-key/handler');
    current = { stack, localKms, kms, handler };
  });
  afterAll(async () => {
    current?.kms.destroy();
    await current?.stack.stop();
  });
  return () => {
    if (!current) throw new Error('the kms-key stack is not started (use it inside a test)');
    return current;
  };
}

let counter = 0;

/** A new key (symmetric unless a spec and usage are given) with an alias of its own. */
export async function keyWithAlias(
  kms: KMSClient,
  prefix: string,
  spec?: { readonly keySpec: KeySpec; readonly keyUsage: KeyUsageType },
): Promise<{ keyId: string; aliasName: string }> {
  const created = await kms.send(new CreateKeyCommand(spec ? { KeySpec: spec.keySpec, KeyUsage: spec.keyUsage } : {}));
  const keyId = created.KeyMetadata?.KeyId as string;
  const aliasName = `alias/${prefix}-${++counter}`;
  await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
  return { keyId, aliasName };
}

export const HMAC = { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' } as const;

export async function keyStateOf(kms: KMSClient, keyId: string): Promise<string | undefined> {
  return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
}

export async function aliasTargetOf(kms: KMSClient, aliasName: string): Promise<string | undefined> {
  return (await kms.send(new ListAliasesCommand({}))).Aliases?.find((alias) => alias.AliasName === aliasName)
    ?.TargetKeyId;
}

/** One execution of the kms-key state machine, its task function `taskFunction` (the real one unless wrapped). */
export function runKmsKeyExecution(
  context: KmsKeyStack,
  input: Record<string, unknown>,
  taskFunction: TaskFunction = context.handler,
): Promise<TestExecution> {
  return runTestExecution(context.stack, definition, input, { [KMS_KEY_FUNCTION]: taskFunction });
}
