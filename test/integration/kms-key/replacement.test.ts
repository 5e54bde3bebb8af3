import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  KMSClient,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { startLocalKms, type LocalKms } from '../../../local/kms';
import { createKmsKeyApi } from '../../../functions/kms-key/kms-client';
import type { KmsKeyApi } from '../../../functions/kms-key/kms-api';
import {
  OLD_KEY_TAGS,
  checkAlias,
  createReplacementKey,
  disableOldKey,
  retireStrayReplacements,
  rollBackReplacement,
  scheduleOldKeyDeletion,
  switchAlias,
  verifyKey,
} from '../../../functions/kms-key/replacement';
import { replacementKeyRequest } from '../../../functions/kms-key/replacement-key';
import { AliasMismatchError, KeyStateError } from '../../../functions/kms-key/errors';

/**
 * The replacement steps of a KMS key that cannot rotate its material, through keyturn's KMS client against
 * the local KMS (real HMAC and ECDSA keys): the new key is a twin of the old in everything but material,
 * a retry after a crash finds the key it made instead of making another, twins leave one key, the alias
 * moves and comes back, and the old key is disabled and scheduled for deletion only from the right states.
 */

let localKms: LocalKms;
let kms: KMSClient;
let api: KmsKeyApi;

beforeAll(async () => {
  localKms = await startLocalKms();
  kms = new KMSClient({
    endpoint: localKms.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
  });
  api = createKmsKeyApi(kms);
});
afterAll(async () => {
  kms.destroy();
  await localKms.stop();
});

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'owner',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

let counter = 0;
async function keyWithAlias(keySpec: 'HMAC_256' | 'ECC_NIST_P256', keyUsage: 'GENERATE_VERIFY_MAC' | 'SIGN_VERIFY') {
  const created = await kms.send(
    new CreateKeyCommand({
      KeySpec: keySpec,
      KeyUsage: keyUsage,
      Policy: POLICY,
      Tags: [
        { TagKey: 'team', TagValue: 'payments' },
        { TagKey: 'keyturn:entry', TagValue: 'webhook-signing' },
      ],
    }),
  );
  const keyId = created.KeyMetadata?.KeyId as string;
  const aliasName = `alias/replaced-${++counter}`;
  await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
  return { keyId, aliasName, facts: await api.describeKey(keyId) };
}

async function tagsOf(keyId: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const tag of await api.tags(keyId)) tags[tag.key] = tag.value;
  return tags;
}

describe('the replacement key', () => {
  it('has the old key spec, usage, key policy and tags, proves itself, and is recorded on the old key', async () => {
    const old = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    const made = await createReplacementKey(api, old.facts, 'rotation-1', 'webhook-signing');
    expect(made).toMatchObject({ created: true, straysScheduledForDeletion: 0 });
    expect(made.key).toMatchObject({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', keyState: 'Enabled' });
    expect(made.key.keyId).not.toBe(old.keyId);
    const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: made.key.keyId, PolicyName: 'default' }));
    expect(JSON.parse(policy.Policy ?? '{}')).toEqual(JSON.parse(POLICY));
    expect(await tagsOf(made.key.keyId)).toEqual({
      team: 'payments',
      'keyturn:entry': 'webhook-signing',
      'keyturn:replaces': old.keyId,
      'keyturn:rotation-id': 'rotation-1',
    });
    expect(await tagsOf(old.keyId)).toMatchObject({
      [OLD_KEY_TAGS.replacing]: 'rotation-1',
      [OLD_KEY_TAGS.replacedBy]: `rotation-1 ${made.key.keyId}`,
    });
    expect(await verifyKey(api, made.key)).toMatch(/generate\+verify MAC \(HMAC_SHA_256\)/);
    // A MAC of the new key verifies with the new key only: the material is new.
    const mac = await kms.send(
      new GenerateMacCommand({ KeyId: made.key.keyId, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' }),
    );
    await expect(
      kms.send(
        new VerifyMacCommand({
          KeyId: old.keyId,
          Message: Buffer.from('m'),
          Mac: mac.Mac,
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'KMSInvalidMacException' });
  });

  it('a signing key: the new key signs, and its signature verifies in KMS and with its public key', async () => {
    const old = await keyWithAlias('ECC_NIST_P256', 'SIGN_VERIFY');
    const made = await createReplacementKey(api, old.facts, 'rotation-sign', 'webhook-signing');
    expect(await verifyKey(api, made.key)).toMatch(/in KMS and with the public key \(ECDSA_SHA_256\)/);
    const signed = await kms.send(
      new SignCommand({
        KeyId: old.keyId,
        Message: Buffer.from('old'),
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    // What the old key signed verifies only with the old key (docs/kms-key-rotation.md's note on signing keys).
    await expect(
      kms.send(
        new VerifyCommand({
          KeyId: made.key.keyId,
          Message: Buffer.from('old'),
          MessageType: 'RAW',
          Signature: signed.Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'KMSInvalidSignatureException' });
  });

  it('a retry after the answer was lost finds the key it made; one after a crash before the record searches for it', async () => {
    const old = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    const first = await createReplacementKey(api, old.facts, 'rotation-2', 'webhook-signing');
    const retried = await createReplacementKey(api, old.facts, 'rotation-2', 'webhook-signing');
    expect(retried).toMatchObject({ created: false, key: { keyId: first.key.keyId } });

    // A crashed attempt: it marked the old key and created the key, then died before recording it.
    const crashed = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    await api.tag(crashed.keyId, [{ key: OLD_KEY_TAGS.replacing, value: 'rotation-3' }]);
    const orphan = await api.createKey(
      replacementKeyRequest({
        entryId: 'webhook-signing',
        old: crashed.facts,
        oldPolicy: POLICY,
        oldTags: [],
        rotationId: 'rotation-3',
      }),
    );
    const keysBefore = localKms.keys().length;
    const found = await createReplacementKey(api, crashed.facts, 'rotation-3', 'webhook-signing');
    expect(found).toMatchObject({ created: false, key: { keyId: orphan.keyId } });
    expect(localKms.keys()).toHaveLength(keysBefore);
    expect(await tagsOf(crashed.keyId)).toMatchObject({ [OLD_KEY_TAGS.replacedBy]: `rotation-3 ${orphan.keyId}` });
  });

  it('twins that both made a key: one is kept, the stray (never aliased) is scheduled for deletion', async () => {
    const old = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    await api.tag(old.keyId, [{ key: OLD_KEY_TAGS.replacing, value: 'rotation-4' }]);
    const request = replacementKeyRequest({
      entryId: 'webhook-signing',
      old: old.facts,
      oldPolicy: POLICY,
      oldTags: [],
      rotationId: 'rotation-4',
    });
    const [a, b] = [await api.createKey(request), await api.createKey(request)];
    const found = await createReplacementKey(api, old.facts, 'rotation-4', 'webhook-signing');
    expect(found.straysScheduledForDeletion).toBe(1);
    const [kept, stray] = [a, b].sort((x, y) => x.keyId.localeCompare(y.keyId));
    expect(found.key.keyId).toBe(kept?.keyId);
    const strayState = await kms.send(new DescribeKeyCommand({ KeyId: stray?.keyId }));
    expect(strayState.KeyMetadata?.KeyState).toBe('PendingDeletion');
  });
  it('twins at the same moment each made and recorded a key: the key the run chose stays, the other is retired', async () => {
    // Found by the chaos suite (seed bench, #239): two concurrent CreateReplacement tasks both read the old key's
    // tags before either wrote one, so both made a key; Step Functions kept one answer, the other key stayed
    // enabled, unaliased, and outlived a rollback beside the replacement the run chose.
    const old = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    const request = replacementKeyRequest({
      entryId: 'webhook-signing',
      old: old.facts,
      oldPolicy: POLICY,
      oldTags: [],
      rotationId: 'rotation-8',
    });
    await api.tag(old.keyId, [{ key: OLD_KEY_TAGS.replacing, value: 'rotation-8' }]);
    const chosen = await api.createKey(request);
    const twins = await api.createKey(request);
    // The twin recorded its key last: the record names the key the run did not choose.
    await api.tag(old.keyId, [{ key: OLD_KEY_TAGS.replacedBy, value: `rotation-8 ${twins.keyId}` }]);
    const state = { oldKeyId: old.keyId, rotationId: 'rotation-8', aliasName: old.aliasName };

    await switchAlias(api, old.aliasName, chosen.keyId);
    expect(await retireStrayReplacements(api, state, chosen.keyId)).toBe(1);
    expect((await api.describeKey(twins.keyId)).keyState).toBe('PendingDeletion');
    expect((await api.describeKey(chosen.keyId)).keyState).toBe('Enabled');
    expect(await retireStrayReplacements(api, state, chosen.keyId)).toBe(0); // a retry: nothing more

    // A rollback of a run whose twins left two keys: the chosen one stays for the operator, the other goes.
    const again = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    await api.tag(again.keyId, [{ key: OLD_KEY_TAGS.replacing, value: 'rotation-9' }]);
    const madeNine = await createReplacementKey(api, again.facts, 'rotation-9', 'webhook-signing');
    const strayNine = await api.createKey(
      replacementKeyRequest({
        entryId: 'webhook-signing',
        old: again.facts,
        oldPolicy: POLICY,
        oldTags: [],
        rotationId: 'rotation-9',
      }),
    );
    await switchAlias(api, again.aliasName, madeNine.key.keyId);
    const done = await rollBackReplacement(api, {
      rotationId: 'rotation-9',
      aliasName: again.aliasName,
      oldKeyId: again.keyId,
      oldKeyArn: again.facts.arn,
      newKeyId: madeNine.key.keyId,
    });
    expect(done).toEqual([
      `alias ${again.aliasName} back on the old key`,
      '1 stray replacement key(s) scheduled for deletion',
    ]);
    expect((await api.describeKey(strayNine.keyId)).keyState).toBe('PendingDeletion');
    expect((await api.describeKey(madeNine.key.keyId)).keyState).toBe('Enabled');
    expect(await api.aliasTarget(again.aliasName)).toBe(again.keyId);
  });
});

describe('moving the alias, retiring the old key, and rolling back', () => {
  it('switches the alias, disables and schedules the old key; a rollback brings every part back', async () => {
    const old = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    const made = await createReplacementKey(api, old.facts, 'rotation-5', 'webhook-signing');
    await switchAlias(api, old.aliasName, made.key.keyId);
    await switchAlias(api, old.aliasName, made.key.keyId); // a retry: nothing more to do
    expect(await api.aliasTarget(old.aliasName)).toBe(made.key.keyId);

    await expect(scheduleOldKeyDeletion(api, old.keyId, 7)).rejects.toThrow(KeyStateError); // still enabled
    const disabledAt = await disableOldKey(api, old.keyId, 'rotation-5', new Date('2026-12-07T10:00:00Z'));
    const again = await disableOldKey(api, old.keyId, 'rotation-5', new Date('2026-12-07T11:00:00Z'));
    expect(again).toEqual(disabledAt); // the first time is kept
    const deletion = await scheduleOldKeyDeletion(api, old.keyId, 7);
    expect(await scheduleOldKeyDeletion(api, old.keyId, 7)).toEqual(deletion);

    const done = await rollBackReplacement(api, {
      rotationId: 'rotation-5',
      aliasName: old.aliasName,
      oldKeyId: old.keyId,
      oldKeyArn: old.facts.arn,
    });
    expect(done).toEqual(['deletion cancelled', 'old key enabled', `alias ${old.aliasName} back on the old key`]);
    expect((await api.describeKey(old.keyId)).keyState).toBe('Enabled');
    expect(await api.aliasTarget(old.aliasName)).toBe(old.keyId);
    expect(await tagsOf(old.keyId)).not.toHaveProperty(OLD_KEY_TAGS.disabledAt);
  });

  it("a key enabled again by hand and replaced anew starts its canary watch at this rotation's disable", async () => {
    // Found by the chaos suite: an operator re-enabled a disabled old key (no rollback, so its disabled-at tag
    // stayed); the next rotation's canary watch began at the earlier time and took the consumers' uses from
    // before its own switch for uses of a disabled key, and rolled back.
    const old = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    const first = await disableOldKey(api, old.keyId, 'rotation-6', new Date('2026-12-07T10:00:00Z'));
    await api.enableKey(old.keyId);
    const later = new Date('2026-12-07T12:00:00Z');
    expect(await disableOldKey(api, old.keyId, 'rotation-7', later)).toEqual(later);
    expect(await disableOldKey(api, old.keyId, 'rotation-7', new Date('2026-12-07T13:00:00Z'))).toEqual(later);
    expect(first).not.toEqual(later);
  });

  it('an alias that points at neither key is not moved', async () => {
    const old = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    const other = await keyWithAlias('HMAC_256', 'GENERATE_VERIFY_MAC');
    await expect(checkAlias(api, other.aliasName, [old.keyId])).rejects.toThrow(AliasMismatchError);
    await expect(checkAlias(api, 'alias/none-such', [old.keyId])).rejects.toThrow(/does not exist/);
  });
});
