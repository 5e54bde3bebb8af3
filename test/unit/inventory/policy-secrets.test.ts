import {
  encodePolicySecrets,
  parsePolicySecrets,
  POLICY_SECRETS_FIELD,
  policySecretsInput,
  policySecretsOfEvent,
  PolicySecretsError,
} from '../../../functions/inventory/policy-secrets';
import { secretNameOf } from '../../../functions/inventory/secrets-inventory';

describe("the policy secrets in the schedule's input", () => {
  it('reads back what the construct writes', () => {
    const secrets = [
      { entryId: 'orders-db', secretId: 'prod/orders/db' },
      { entryId: 'legacy', secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/legacy-AbCdEf' },
    ];
    expect(parsePolicySecrets(encodePolicySecrets(secrets))).toEqual(secrets);
  });

  it('reads back the whole input the construct gives the schedule, as the function receives it', () => {
    const secrets = [{ entryId: 'orders-db', secretId: 'prod/orders/db' }];
    const event: unknown = JSON.parse(policySecretsInput(secrets));
    expect(Object.keys(event as object)).toEqual([POLICY_SECRETS_FIELD]);
    expect(policySecretsOfEvent(event)).toEqual(secrets);
  });

  it('tells an absent value (no comparison) from an empty policy', () => {
    expect(parsePolicySecrets(undefined)).toBeUndefined();
    expect(parsePolicySecrets('')).toEqual([]);
    expect(policySecretsOfEvent({})).toBeUndefined();
    expect(policySecretsOfEvent(undefined)).toBeUndefined();
    expect(policySecretsOfEvent({ policySecrets: '' })).toEqual([]);
  });

  it('refuses an input whose policySecrets is not a string, naming where it comes from', () => {
    expect(() => policySecretsOfEvent({ policySecrets: [['a', 'b']] })).toThrow(PolicySecretsError);
    expect(() => policySecretsOfEvent({ policySecrets: [['a', 'b']] })).toThrow(
      "the schedule's input policySecrets is not a string",
    );
  });

  it.each([
    [
      'corrupt compressed JSON',
      'gzip:not-base64-gzip',
      /the schedule's input policySecrets is not valid compressed JSON/,
    ],
    ['text that is not JSON', '[["a",', /the schedule's input policySecrets is not valid JSON/],
    ['objects instead of pairs', '[{"entryId":"a","secretId":"b"}]', /is not a list of \[entryId, secret\] pairs: 0:/],
    ['an empty entry id', '[["","b"]]', /is not a list of \[entryId, secret\] pairs: 0\.0:/],
  ])('refuses %s, naming where it comes from', (_case, value, message) => {
    expect(() => parsePolicySecrets(value)).toThrow(PolicySecretsError);
    expect(() => parsePolicySecrets(value)).toThrow(message);
  });
});

describe('secretNameOf', () => {
  it.each([
    ['prod/orders/db', 'prod/orders/db'],
    ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/legacy-AbCdEf', 'prod/legacy'],
    ['arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:app/key-1a2B3c', 'app/key'],
  ])('names %s as %s (the prefix the name filter looks for)', (secretId, name) => {
    expect(secretNameOf(secretId)).toBe(name);
  });
});
