import {
  encodeMonitoredKeys,
  MONITORED_KEYS_ENV,
  MonitoredKeysError,
  parseMonitoredKeys,
} from '../../../functions/freshness-check/monitored-keys';

const keys = [
  { entryId: 'orders-data-key', keyRef: 'alias/orders-data', maxAgeSeconds: 15_728_400 },
  {
    entryId: 'legacy-signing-key',
    keyRef: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    maxAgeSeconds: 608_400,
  },
];

describe('the monitored keys in the environment', () => {
  it('round-trips compressed, and reads plain JSON too', () => {
    expect(parseMonitoredKeys(encodeMonitoredKeys(keys))).toEqual(keys);
    expect(parseMonitoredKeys(JSON.stringify(keys))).toEqual(keys);
  });

  it('compresses 100 keys well within Lambda environment 4 KB', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      entryId: `payments-signing-key-${i}`,
      keyRef: `alias/payments/signing-${i}`,
      maxAgeSeconds: 7_866_000 + i,
    }));
    expect(encodeMonitoredKeys(many).length).toBeLessThan(2_500);
  });

  it('is empty when the variable is absent (a policy without keys)', () => {
    expect(parseMonitoredKeys(undefined)).toEqual([]);
    expect(parseMonitoredKeys('  ')).toEqual([]);
  });

  it.each([
    ['not JSON', '[{', /is not valid JSON/],
    ['corrupt compression', 'gzip:AAAA', /is not valid compressed JSON/],
    [
      'a key neither alias nor ARN',
      JSON.stringify([{ ...keys[0], keyRef: 'orders-data' }]),
      /0\.keyRef: must be alias/,
    ],
    ['a bound of 0', JSON.stringify([{ ...keys[0], maxAgeSeconds: 0 }]), /0\.maxAgeSeconds: must be at least 1/],
    ['an object', JSON.stringify({ keys }), /expected array/],
  ])('refuses %s, naming the variable and the field', (_case, value, message) => {
    expect(() => parseMonitoredKeys(value)).toThrow(MonitoredKeysError);
    expect(() => parseMonitoredKeys(value)).toThrow(MONITORED_KEYS_ENV);
    expect(() => parseMonitoredKeys(value)).toThrow(message);
  });
});
