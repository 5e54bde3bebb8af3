import { createKmsKeyApi } from '../../functions/kms-key/kms-client';
import { REPLACEMENT_TAGS } from '../../functions/kms-key/replacement-key';
import {
  HMAC,
  RUN_AT_ONCE,
  aliasTargetOf,
  keyStateOf,
  keyWithAlias,
  runKmsKeyExecution,
  useKmsKeyStack,
  type TaskFunction,
} from '../support/kms-key-stack';

/**
 * A KMS key's replacement survives its task function dying at any point and KMS failing a call: for every
 * task, a crash before it does anything and one after its work but before it answers (Step Functions sees
 * `Lambda.Unknown` and retries), and a KMS 500 on each call that changes something. Every run must end with
 * one replacement key behind the alias, the old key pending deletion, and no other key left enabled. (Found
 * here: the canary once took keyturn's own failed TagResource on the disabled key for a consumer's call.)
 */

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

const kmsKeyStack = useKmsKeyStack();
const hmacKey = () => keyWithAlias(kmsKeyStack().kms, 'crash', HMAC);

function crash(): Error {
  const error = new Error('Process exited before completing request');
  error.name = 'Lambda.Unknown';
  return error;
}

/** The keys that replaced `oldKeyId` (tagged so by keyturn), with their states. */
async function replacementsOf(oldKeyId: string) {
  const { kms, localKms } = kmsKeyStack();
  const api = createKmsKeyApi(kms);
  const found = [];
  for (const key of localKms.keys()) {
    const tags = await api.tags(key.keyId);
    if (tags.some((tag) => tag.key === REPLACEMENT_TAGS.replaces && tag.value === oldKeyId)) found.push(key);
  }
  return found;
}

async function expectReplaced(keyId: string, aliasName: string): Promise<void> {
  const { kms } = kmsKeyStack();
  const target = await aliasTargetOf(kms, aliasName);
  expect(target).toBeDefined();
  expect(target).not.toBe(keyId);
  expect(await keyStateOf(kms, target as string)).toBe('Enabled');
  expect(await keyStateOf(kms, keyId)).toBe('PendingDeletion');
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
      const { handler } = kmsKeyStack();
      const dying: TaskFunction = async (event) => {
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
      const input = { entryId: `crash-${task}`, keyId, aliasName, settings: RUN_AT_ONCE };
      const execution = await runKmsKeyExecution(kmsKeyStack(), input, dying);
      expect(crashed).toBe(true);
      expect(execution.status).toBe('SUCCEEDED');
      await expectReplaced(keyId, aliasName);
    },
  );
});

describe.each(KMS_WRITES)('KMS fails %s once (500)', (operation) => {
  it('the state retries and the replacement completes', async () => {
    const { keyId, aliasName } = await hmacKey();
    kmsKeyStack().localKms.faults.failNext(operation, 'KMSInternalException');
    const input = { entryId: `fault-${operation.toLowerCase()}`, keyId, aliasName, settings: RUN_AT_ONCE };
    const execution = await runKmsKeyExecution(kmsKeyStack(), input);
    expect(execution.status).toBe('SUCCEEDED');
    await expectReplaced(keyId, aliasName);
  });
});
