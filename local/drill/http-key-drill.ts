import { OptionTag, STRATEGY_TAG } from '../../functions/strategies/tag-options';
import { SENDGRID_ADMIN_SCOPES, type FakeSendGrid } from '../providers/sendgrid';
import type { LocalStack } from '../stack';
import type { SecretReport } from './report';
import { createSecret, revokePrevious, rotate } from './secret-rotation';

const MAIL_KEY = 'mail/sendgrid-key';

interface KeyValue {
  readonly apiKey: string;
  readonly keyId: string;
}

/** Whether the local SendGrid accepts `key` (GET /v3/scopes, as the preset verifies). */
async function accepted(sendgrid: FakeSendGrid, key: KeyValue): Promise<boolean> {
  const response = await fetch(`${sendgrid.endpoint}/v3/scopes`, {
    headers: { Authorization: `Bearer ${key.apiKey}` },
  });
  await response.text();
  return response.status === 200;
}

/**
 * A SendGrid API key (`http-api-key`, `sendgrid` preset) rotated at the local SendGrid: one new key minted
 * there, both keys working through the grace window, then the lifecycle's Revoke task (the rotation function,
 * invoked as the state machine does) revokes the old key AT THE PROVIDER, which then refuses it.
 */
export async function drillSendGridKey(stack: LocalStack, sendgrid: FakeSendGrid): Promise<SecretReport> {
  const admin = sendgrid.addSendGridKey('keyturn admin', SENDGRID_ADMIN_SCOPES, true);
  const first = sendgrid.addSendGridKey('mail service', ['mail.send']);
  const adminArn = await createSecret(stack, 'mail/sendgrid-admin', JSON.stringify({ apiKey: admin.value }));
  return rotate(stack, {
    name: MAIL_KEY,
    strategy: 'http-api-key',
    value: JSON.stringify({ apiKey: first.value, keyId: first.id, scopes: ['mail.send'] }),
    tags: {
      [STRATEGY_TAG]: 'http-api-key',
      [OptionTag.httpProvider]: 'sendgrid',
      [OptionTag.httpBaseUrl]: sendgrid.endpoint,
      [OptionTag.httpAdminSecret]: adminArn,
    },
    checks: async (currentValue, previousValue) => {
      const current = JSON.parse(currentValue) as KeyValue;
      const previous = JSON.parse(previousValue) as KeyValue;
      const minted = sendgrid.listedKeys().filter((k) => k.name.startsWith('keyturn-'));
      const bothDuringGrace = (await accepted(sendgrid, current)) && (await accepted(sendgrid, previous));
      await revokePrevious(stack, MAIL_KEY);
      return [
        {
          passed: minted.length === 1 && minted[0]?.id === current.keyId && current.keyId !== first.id,
          text: 'SendGrid minted exactly one new key, named for the rotation; AWSCURRENT holds it and its id',
        },
        { passed: bothDuringGrace, text: 'old and new keys both work at SendGrid during the grace window' },
        {
          passed: !(await accepted(sendgrid, previous)) && !sendgrid.keys.has(previous.keyId),
          text: "after the lifecycle's revoke, SendGrid refuses the old key (401): it was deleted there",
        },
        { passed: await accepted(sendgrid, current), text: 'the new key still works' },
      ];
    },
  });
}
