import { jobNamePrefix } from '../../../infra/constructs/kms-rewrap/rewrap-start-input';
import { resolveRewrapJob } from '../../../infra/policy/rewrap-jobs';

/** The longest name the starter makes: `<prefix>-<segment, at most 63>-<32 hex digits of MD5>`. */
const longestName = (prefix: string): string => `${prefix}-63-${'0'.repeat(32)}`;

const job = (table: string, ciphertextAttribute = 'wrapped') =>
  resolveRewrapJob({ table, key: { partition: 'id' }, ciphertextAttribute });

describe('re-wrap execution names', () => {
  test("readable (the table) and within Step Functions' 80 characters for the longest table name", () => {
    // GIVEN a table name of DynamoDB's maximum length
    const prefix = jobNamePrefix('orders-data-key', job('t'.repeat(255)));

    // THEN
    expect(prefix).toMatch(/^t{30}-[0-9a-f]{8}$/);
    expect(longestName(prefix).length).toBeLessThanOrEqual(80);
    expect(longestName(prefix)).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  test('the same for the same job; different for another entry, table or attribute', () => {
    // WHEN
    const base = jobNamePrefix('orders-data-key', job('orders-data-keys'));

    // THEN
    expect(jobNamePrefix('orders-data-key', job('orders-data-keys'))).toBe(base);
    expect(jobNamePrefix('other-key', job('orders-data-keys'))).not.toBe(base);
    expect(jobNamePrefix('orders-data-key', job('orders-data-keys', 'otherAttribute'))).not.toBe(base);
    expect(jobNamePrefix('orders-data-key', job('orders.data-keys'))).not.toBe(base);
  });
});
