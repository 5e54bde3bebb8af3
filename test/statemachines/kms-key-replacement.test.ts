import { EnableKeyCommand, GenerateMacCommand, UpdateAliasCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
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
 * The kms-key state machine replacing HMAC keys (KMS cannot rotate their material), with its real task
 * function against keyturn's local KMS and the local CloudTrail that records every KMS call: the alias moves
 * to a new key, the old key is drained (KMS's last use of it), disabled as a canary and scheduled for deletion;
 * a consumer still using the old key keeps it alive (drain) or rolls the run back (canary); an emergency
 * retires the old key at once.
 */

const AT_ONCE = { ...RUN_AT_ONCE, drainChecks: 2 };
const kmsKeyStack = useKmsKeyStack();
const hmacKey = () => keyWithAlias(kmsKeyStack().kms, 'webhooks', HMAC);

/** A consumer that names the old key by id (so the alias's move does not reach it). */
const macWith = (keyId: string) =>
  kmsKeyStack().kms.send(
    new GenerateMacCommand({ KeyId: keyId, Message: Buffer.from('payload'), MacAlgorithm: 'HMAC_SHA_256' }),
  );
const stateOf = (keyId: string) => keyStateOf(kmsKeyStack().kms, keyId);
const targetOf = (aliasName: string) => aliasTargetOf(kmsKeyStack().kms, aliasName);

/** Runs the state machine; `before` runs ahead of the named task (a consumer acting at that point of the run). */
function run(input: Record<string, unknown>, before: Record<string, () => Promise<unknown>> = {}) {
  const { handler } = kmsKeyStack();
  const wrapped: TaskFunction = async (event) => {
    const task = (event as { task?: string }).task ?? '';
    await before[task]?.();
    return handler(event);
  };
  return runKmsKeyExecution(kmsKeyStack(), input, wrapped);
}

it('replaces the key: alias moved, old key idle, disabled, scheduled for deletion; the new key works', async () => {
  const { keyId, aliasName } = await hmacKey();

  const execution = await run({ entryId: 'webhooks', keyId, aliasName, settings: AT_ONCE });

  expect(execution.status).toBe('SUCCEEDED');
  expect(execution.audit).toEqual([
    'KeyRotationStarted',
    'ReplacementKeyCreated',
    'KeyAliasMoved',
    'OldKeyUsageChecked',
    'OldKeyDisabled',
    'OldKeyUsageChecked',
    'OldKeyDeletionScheduled',
    'KeyRotationCompleted',
  ]);
  const newKeyId = await targetOf(aliasName);
  expect(newKeyId).not.toBe(keyId);
  expect(await stateOf(keyId)).toBe('PendingDeletion');
  const mac = await macWith(aliasName);
  const verified = await kmsKeyStack().kms.send(
    new VerifyMacCommand({
      KeyId: aliasName,
      Message: Buffer.from('payload'),
      Mac: mac.Mac,
      MacAlgorithm: 'HMAC_SHA_256',
    }),
  );
  expect(verified.MacValid).toBe(true);
  const drained = execution.auditDetails.find((detail) => detail.type === 'OldKeyUsageChecked');
  expect(drained).toMatchObject({ inUse: false });
});

it('a consumer still using the old key after the switch keeps it enabled: left in use, alerted', async () => {
  const { keyId, aliasName } = await hmacKey();

  const execution = await run(
    { entryId: 'still-used', keyId, aliasName, settings: AT_ONCE },
    { drain: () => macWith(keyId) },
  );

  expect(execution.status).toBe('SUCCEEDED');
  expect(execution.audit.filter((type) => type === 'OldKeyUsageChecked')).toHaveLength(2);
  expect(execution.audit.at(-1)).toBe('OldKeyLeftInUse');
  expect(String(execution.auditDetails.at(-1)?.evidence)).toMatch(/last used: GenerateMac at/);
  expect(await stateOf(keyId)).toBe('Enabled');
  expect(
    kmsKeyStack()
      .stack.sns.messages()
      .filter((m) => (m.subject ?? '').includes('still-used')),
  ).toHaveLength(1);
});

it('a consumer refused by the disabled old key rolls the run back: old key enabled, alias back, alerted', async () => {
  const { keyId, aliasName } = await hmacKey();

  const execution = await run(
    { entryId: 'canary-caught', keyId, aliasName, settings: AT_ONCE },
    { 'check-canary': () => macWith(keyId).catch((error: unknown) => error) },
  );

  expect(execution.status).toBe('FAILED');
  expect(execution.audit.slice(-2)).toEqual(['KeyRotationRolledBack', 'KeyRotationFailed']);
  expect(execution.auditDetails.at(-1)).toMatchObject({ step: 'CheckCanary', error: 'OldKeyStillUsedError' });
  expect(String(execution.auditDetails.at(-1)?.cause)).toMatch(
    /refused to 1 call\(s\) \(first: GenerateMac DisabledException\)/,
  );
  expect(await stateOf(keyId)).toBe('Enabled');
  expect(await targetOf(aliasName)).toBe(keyId);
  expect(
    kmsKeyStack()
      .stack.sns.messages()
      .filter((m) => (m.subject ?? '').includes('canary-caught')),
  ).toHaveLength(1);
});

it.each(['disable-old', 'schedule-deletion'])(
  'an operator who moves the alias back to the old key before %s keeps it serving: nothing retired, rolled back',
  async (task) => {
    // Found by the chaos suite: the run went on to disable, then schedule the deletion of, the key the alias
    // pointed at again (every consumer locked out, and every later run refused at Begin).
    const { keyId, aliasName } = await hmacKey();
    const { kms } = kmsKeyStack();
    const moveBack = async () => {
      if ((await stateOf(keyId)) === 'Disabled') await kms.send(new EnableKeyCommand({ KeyId: keyId }));
      await kms.send(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
    };

    const execution = await run(
      { entryId: 'moved-back', keyId, aliasName, settings: { ...AT_ONCE, whenStillInUse: 'proceed' } },
      { [task]: moveBack },
    );

    expect(execution.status).toBe('FAILED');
    expect(execution.audit.slice(-2)).toEqual(['KeyRotationRolledBack', 'KeyRotationFailed']);
    expect(execution.auditDetails.at(-1)).toMatchObject({ error: 'AliasMismatchError' });
    expect(await targetOf(aliasName)).toBe(keyId);
    expect(await stateOf(keyId)).toBe('Enabled');
    const mac = await macWith(aliasName);
    expect(mac.KeyId).toContain(keyId);
  },
);

it('an emergency retires the old key at once: no grace, drain or canary watch', async () => {
  const { keyId, aliasName } = await hmacKey();
  const execution = await run({
    entryId: 'leaked',
    keyId,
    aliasName,
    emergency: true,
    settings: { graceSeconds: 86_400, canaryWatchSeconds: 86_400, deletionWindowDays: 7 },
  });
  expect(execution.status).toBe('SUCCEEDED');
  expect(execution.audit).toEqual([
    'KeyRotationStarted',
    'ReplacementKeyCreated',
    'KeyAliasMoved',
    'OldKeyDisabled',
    'OldKeyDeletionScheduled',
    'KeyRotationCompleted',
  ]);
  expect(await stateOf(keyId)).toBe('PendingDeletion');
});

it('a key to replace without the alias consumers use is refused at Begin, nothing created', async () => {
  const { keyId } = await hmacKey();
  const keysBefore = kmsKeyStack().localKms.keys().length;
  const execution = await run({ entryId: 'no-alias', keyId, settings: AT_ONCE });
  expect(execution.status).toBe('FAILED');
  expect(execution.auditDetails.at(-1)).toMatchObject({ step: 'Begin', error: 'AliasMismatchError' });
  expect(kmsKeyStack().localKms.keys()).toHaveLength(keysBefore);
});

it('the next scheduled run, naming the key CDK knows, replaces the generation the alias points at now', async () => {
  const { keyId, aliasName } = await hmacKey();
  const input = { entryId: 'generations', keyId, aliasName, settings: AT_ONCE };
  expect((await run(input)).status).toBe('SUCCEEDED');
  const second = await targetOf(aliasName);

  // keyturn's own round trip proved the second key moments ago, which its drain sees as a use within the second:
  // this run goes on regardless (a real schedule runs months later, past the hour a use counts).
  const again = await run({ ...input, settings: { ...AT_ONCE, whenStillInUse: 'proceed' } });

  expect(again.status).toBe('SUCCEEDED');
  const third = await targetOf(aliasName);
  expect(third).not.toBe(second);
  expect(third).not.toBe(keyId);
  expect(await stateOf(second as string)).toBe('PendingDeletion');
  expect(again.auditDetails.find((detail) => detail.type === 'ReplacementKeyCreated')?.keyId).toMatch(
    new RegExp(`${second as string}$`),
  );
});

it("an alias moved to a key that is not this entry's replacement is refused, nothing changed", async () => {
  const { keyId, aliasName } = await hmacKey();
  const stranger = await hmacKey();
  await kmsKeyStack().kms.send(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: stranger.keyId }));
  const execution = await run({ entryId: 'moved-away', keyId, aliasName, settings: AT_ONCE });
  expect(execution.status).toBe('FAILED');
  expect(execution.auditDetails.at(-1)).toMatchObject({ step: 'Begin', error: 'AliasMismatchError' });
  expect(await stateOf(keyId)).toBe('Enabled');
  expect(await stateOf(stranger.keyId)).toBe('Enabled');
});
