import {
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import type { CloudTrailRecord } from '../../../local/cloudtrail/events';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { PENDING_DELETION_FILTER_PATTERN } from '../../../infra/constructs/observability/kms-pending-deletion';
import { matchesJsonFilterPattern } from '../../support/json-filter-pattern';

/**
 * The pending-deletion alarm's metric filter against what keyturn's local KMS and local CloudTrail record for a use
 * of a key pending deletion. CloudWatch's matcher is not emulated: this proves that the refused use is recorded as a
 * kms.amazonaws.com event whose errorMessage is the text the KMS developer guide documents ("<key ARN> is pending
 * deletion."), and that the pattern's two conditions accept that record and not the neighbouring ones (a disabled
 * key's refusal, a successful use, a DescribeKey of the pending key, which KMS allows).
 */

let stack: LocalStack;
let kms: KMSClient;

beforeAll(async () => {
  stack = await startLocalStack({ kms: true });
  kms = new KMSClient({});
});
afterAll(async () => {
  await stack.stop();
});

async function newKey(): Promise<string> {
  const arn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn;
  if (!arn) throw new Error('no key');
  return arn;
}

/** The CloudTrail record of the newest call `eventName` on `keyArn`, as a trail would deliver it to CloudWatch Logs. */
function recordOf(eventName: string, keyArn: string): CloudTrailRecord {
  const trail = stack.cloudTrail;
  if (!trail) throw new Error('no local CloudTrail');
  const event = trail.events({ eventName }).find((e) => e.resources.some((r) => r.resourceName === keyArn));
  if (!event) throw new Error(`no ${eventName} event for ${keyArn}`);
  return JSON.parse(JSON.stringify(event.record)) as CloudTrailRecord;
}

it('matches a use of a key pending deletion, and nothing else KMS records around it', async () => {
  // GIVEN a key used once, then scheduled for deletion, and another key disabled
  const doomed = await newKey();
  await kms.send(new EncryptCommand({ KeyId: doomed, Plaintext: Buffer.from('x') }));
  const successfulUse = recordOf('Encrypt', doomed);
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));
  const disabled = await newKey();
  await kms.send(new DisableKeyCommand({ KeyId: disabled }));

  // WHEN a consumer still uses the pending key, another the disabled one, and someone describes the pending key
  await expect(kms.send(new EncryptCommand({ KeyId: doomed, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({
    name: 'KMSInvalidStateException',
  });
  await expect(kms.send(new EncryptCommand({ KeyId: disabled, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({
    name: 'DisabledException',
  });
  await kms.send(new DescribeKeyCommand({ KeyId: doomed }));

  // THEN the refused use is recorded with the documented message, and the pattern accepts it
  const refusedUse = recordOf('Encrypt', doomed);
  expect(refusedUse).toMatchObject({
    eventSource: 'kms.amazonaws.com',
    errorCode: 'KMSInvalidStateException',
    errorMessage: `${doomed} is pending deletion.`,
  });
  expect(matchesJsonFilterPattern(PENDING_DELETION_FILTER_PATTERN, refusedUse)).toBe(true);
  // AND it rejects the neighbours
  expect(matchesJsonFilterPattern(PENDING_DELETION_FILTER_PATTERN, successfulUse)).toBe(false);
  expect(matchesJsonFilterPattern(PENDING_DELETION_FILTER_PATTERN, recordOf('Encrypt', disabled))).toBe(false);
  expect(matchesJsonFilterPattern(PENDING_DELETION_FILTER_PATTERN, recordOf('DescribeKey', doomed))).toBe(false);
  // AND an event of another service with the same words does not count
  expect(
    matchesJsonFilterPattern(PENDING_DELETION_FILTER_PATTERN, { ...refusedUse, eventSource: 'iam.amazonaws.com' }),
  ).toBe(false);
});

it('reads the pattern strictly: a form it does not know is refused, not guessed', () => {
  expect(() => matchesJsonFilterPattern('{ $.requestParameters.* = "kms" }', {})).toThrow(/not supported/);
  expect(() => matchesJsonFilterPattern('"is pending deletion"', {})).toThrow(/not a JSON filter pattern/);
});
