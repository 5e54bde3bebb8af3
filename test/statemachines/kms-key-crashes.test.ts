import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  ListAliasesCommand,
} from '@aws-sdk/client-kms';
import { createKmsKeyApi } from '../../functions/kms-key/kms-client';
import { REPLACEMENT_TAGS } from '../../functions/kms-key/replacement-key';
import type { LocalKms } from '../../local/kms';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { loadStateMachine } from '../../local/stepfunctions/definitions';
import { runTestExecution } from '../support/state-machine-run';

/**
 * A KMS key's replacement survives its task function dying at any point and KMS failing a call: for every
 * task, a crash before it does anything and one after its work but before it answers (Step Functions sees
 * `Lambda.Unknown` and retries), and a KMS 500 on each call that changes something. Every run must end with
 * one replacement key behind the alias, the old key pending deletion, and no other key left enabled. (Found
 * here: the canary once took keyturn's own failed TagResource on the disabled key for a consumer's call.)
 */

const KMS_KEY_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-kms-key';
const definition = loadStateMachine('kms-key', { KmsKeyFunction: KMS_KEY_FUNCTION });
const AT_ONCE = { graceSeconds: 0, drainCheckSeconds: 0, drainChecks: 1, canaryWatchSeconds: 0, deletionWindowDays: 7 };
const REPLACEMENT_TASKS = [
  'begin',
  'create-replacement',
  'switch-alias',
  'drain',
  'disable-old',
  'check-canary',
  'schedule-deletion',
  'report',
];
const KMS_WRITES = ['CreateKey', 'TagResource', 'UpdateAlias', 'DisableKey', 'ScheduleKeyDeletion'];

let stack: LocalStack;
let localKms: LocalKms;
let kms: KMSClient;
let handler: (event: unknown) => Promise<unknown>;

beforeAll(async () => {
  stack = await startLocalStack({ kms: true });
  localKms = stack.kms as LocalKms;
  kms = new KMSClient({ endpoint: localKms.endpoint, region: 'us-east-1' });
  handler = (await import('../../functions/kms-key/handler')).handler;
});
afterAll(async () => {
  kms.destroy();
  await stack.stop();
});

let counter = 0;
async function hmacKey(): Promise<{ keyId: string; aliasName: string }> {
  const created = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  const keyId = created.KeyMetadata?.KeyId as string;
  const aliasName = `alias/crash-${++counter}`;
  await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
  return { keyId, aliasName };
}

function crash(): Error {
  const error = new Error('Process exited before completing request');
  error.name = 'Lambda.Unknown';
  return error;
}

/** The keys that replaced `oldKeyId` (tagged so by keyturn), with their states. */
async function replacementsOf(oldKeyId: string) {
  const api = createKmsKeyApi(kms);
  const found = [];
  for (const key of localKms.keys()) {
    const tags = await api.tags(key.keyId);
    if (tags.some((tag) => tag.key === REPLACEMENT_TAGS.replaces && tag.value === oldKeyId)) found.push(key);
  }
  return found;
}

async function expectReplaced(keyId: string, aliasName: string): Promise<void> {
  const target = (await kms.send(new ListAliasesCommand({}))).Aliases?.find(
    (a) => a.AliasName === aliasName,
  )?.TargetKeyId;
  expect(target).toBeDefined();
  expect(target).not.toBe(keyId);
  expect((await kms.send(new DescribeKeyCommand({ KeyId: target }))).KeyMetadata?.KeyState).toBe('Enabled');
  expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState).toBe('PendingDeletion');
  // Exactly one replacement alive: any twin's stray key waits for deletion.
  const alive = (await replacementsOf(keyId)).filter((key) => key.keyState !== 'PendingDeletion');
  expect(alive.map((key) => key.keyId)).toEqual([target]);
}

describe.each(REPLACEMENT_TASKS)('the task function dies in %s', (task) => {
  it.each(['before its work', 'after its work, before answering'])(
    '%s: the retry completes the replacement',
    async (when) => {
      const { keyId, aliasName } = await hmacKey();
      let crashed = false;
      const dying = async (event: unknown) => {
        const isTask = (event as { task?: string }).task === task;
        if (isTask && !crashed && when === 'before its work') {
          crashed = true;
          throw crash();
        }
        const answer = await handler(event);
        if (isTask && !crashed) {
          crashed = true;
          throw crash();
        }
        return answer;
      };
      const execution = await runTestExecution(
        stack,
        definition,
        { entryId: `crash-${task}`, keyId, aliasName, settings: AT_ONCE },
        { [KMS_KEY_FUNCTION]: dying },
      );
      expect(crashed).toBe(true);
      expect(execution.status).toBe('SUCCEEDED');
      await expectReplaced(keyId, aliasName);
    },
  );
});

describe.each(KMS_WRITES)('KMS fails %s once (500)', (operation) => {
  it('the state retries and the replacement completes', async () => {
    const { keyId, aliasName } = await hmacKey();
    localKms.faults.failNext(operation, 'KMSInternalException');
    const execution = await runTestExecution(
      stack,
      definition,
      { entryId: `fault-${operation.toLowerCase()}`, keyId, aliasName, settings: AT_ONCE },
      { [KMS_KEY_FUNCTION]: handler },
    );
    expect(execution.status).toBe('SUCCEEDED');
    await expectReplaced(keyId, aliasName);
  });
});
