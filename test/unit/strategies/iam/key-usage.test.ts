import { KEY_CHECK_USER_AGENT, type SignedCall } from '../../../../functions/strategies/iam/iam-api';
import {
  idleByLastUse,
  judgeKeyUsage,
  type KeyUsageFacts,
  type TrailLookup,
} from '../../../../functions/strategies/iam/key-usage';
import { usageWindowStart } from '../../../../functions/strategies/recent-use';

const NOW = new Date('2026-12-07T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const KEY = 'AKIAOLDKEY0000000001';

function facts(overrides: Partial<KeyUsageFacts> = {}): KeyUsageFacts {
  return {
    accessKeyId: KEY,
    lastUse: { lastUsedAt: at(-30 * MIN), serviceName: 's3' },
    replacementStoredAt: at(-10 * MIN),
    now: NOW,
    trail: [],
    ...overrides,
  };
}

const call = (offsetMs: number, overrides: Partial<SignedCall> = {}): SignedCall => ({
  eventName: 'ListBuckets',
  eventSource: 's3.amazonaws.com',
  at: at(offsetMs),
  region: 'eu-west-1',
  userAgent: 'aws-cli/2.15',
  ...overrides,
});
const found = (...calls: SignedCall[]): TrailLookup => ({ region: 'eu-west-1', outcome: { calls } });

describe('the usage of an old IAM access key', () => {
  it('counts uses from the later of the switch and an hour ago', () => {
    expect(usageWindowStart(at(-10 * MIN), NOW)).toEqual(at(-10 * MIN));
    expect(usageWindowStart(at(-30 * HOUR), NOW)).toEqual(at(-HOUR)); // after a long grace: the last hour
  });

  it('IAM alone: never used, or last used an hour (its precision) before the window, is idle', () => {
    expect(judgeKeyUsage(facts({ lastUse: {} }))).toMatchObject({ inUse: false });
    expect(idleByLastUse({ lastUsedAt: at(-71 * MIN) }, at(-10 * MIN))).toBe(true);
    const report = judgeKeyUsage(facts({ lastUse: { lastUsedAt: at(-71 * MIN) } }));
    expect(report).toMatchObject({ inUse: false });
    expect(report.evidence).toContain('coarsely');
  });

  it('IAM alone: a use stamped after the window began is in use; one within its hour before is unknown', () => {
    expect(judgeKeyUsage(facts({ lastUse: { lastUsedAt: at(-5 * MIN) } }))).toMatchObject({ inUse: true });
    expect(judgeKeyUsage(facts())).toMatchObject({ inUse: 'unknown' });
  });

  it('a client that switched during a long grace window goes idle once its last use is over an hour old', () => {
    const longGrace = { replacementStoredAt: at(-24 * HOUR) };
    expect(judgeKeyUsage(facts({ ...longGrace, lastUse: { lastUsedAt: at(-20 * HOUR) } }))).toMatchObject({
      inUse: false,
    });
    expect(judgeKeyUsage(facts({ ...longGrace, lastUse: { lastUsedAt: at(-10 * MIN) } }))).toMatchObject({
      inUse: true,
    });
  });

  it("CloudTrail's client calls in the window prove use, named by source, call, time and region", () => {
    const report = judgeKeyUsage(facts({ trail: [found(call(-2 * MIN), call(-4 * MIN, { eventName: 'GetObject' }))] }));
    expect(report.inUse).toBe(true);
    expect(report.evidence).toContain(`s3:ListBuckets at ${at(-2 * MIN).toISOString()} (eu-west-1)`);
    expect(report.evidence).toContain('2 client call(s)');
  });

  it("keyturn's own checks and calls before the window are not clients' use", () => {
    const own = call(-2 * MIN, {
      eventName: 'GetCallerIdentity',
      eventSource: 'sts.amazonaws.com',
      userAgent: `aws-sdk-js/3 ${KEY_CHECK_USER_AGENT}`,
    });
    const report = judgeKeyUsage(facts({ trail: [found(own, call(-20 * MIN))] }));
    expect(report.inUse).toBe('unknown'); // IAM's doubt stands: silence in the event history proves nothing
    expect(report.evidence).toContain('shows no client call');
  });

  it('a failed lookup is named in the evidence and changes nothing', () => {
    const report = judgeKeyUsage(
      facts({ trail: [{ region: 'us-east-1', outcome: { failed: 'IamAccessDeniedError: denied' } }] }),
    );
    expect(report.inUse).toBe('unknown');
    expect(report.evidence).toContain('lookup failed in us-east-1: IamAccessDeniedError');
  });

  it('names at most three calls and counts the rest', () => {
    const calls = [1, 2, 3, 4, 5].map((m) => call(-m * MIN));
    const report = judgeKeyUsage(facts({ trail: [found(...calls)] }));
    expect(report.evidence).toContain('and 2 more');
    expect(report.evidence.match(/s3:ListBuckets/g)).toHaveLength(3);
  });

  it('without the replacement time nothing can be placed', () => {
    expect(judgeKeyUsage(facts({ replacementStoredAt: undefined }))).toMatchObject({ inUse: 'unknown' });
  });
});
