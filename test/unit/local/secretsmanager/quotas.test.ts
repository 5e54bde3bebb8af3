import { AwsServiceError } from '../../../../local/secretsmanager/errors';
import { OPERATION_NAMES } from '../../../../local/secretsmanager/operation-names';
import {
  DEFAULT_QUOTA_BUCKETS,
  quotaBucketOf,
  RequestRateLimiter,
  resolveQuotaRates,
} from '../../../../local/secretsmanager/quotas';

/** A limiter on a clock the test moves by hand. */
function givenLimiter(setting: ConstructorParameters<typeof RequestRateLimiter>[0]) {
  let nowMs = 1_000;
  const limiter = new RequestRateLimiter(setting, () => nowMs);
  return { limiter, advance: (ms: number) => (nowMs += ms) };
}

/** How many calls in a row are admitted before the first ThrottlingException (capped to keep loops bounded). */
function admittedInARow(
  limiter: RequestRateLimiter,
  operation: (typeof OPERATION_NAMES)[number],
  cap = 20_000,
): number {
  for (let admitted = 0; admitted < cap; admitted++) {
    try {
      limiter.admit(operation);
    } catch (error) {
      expect(error).toBeInstanceOf(AwsServiceError);
      expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', httpStatus: 400 });
      return admitted;
    }
  }
  return cap;
}

describe('request-rate quotas', () => {
  it('are off by default', () => {
    const { limiter } = givenLimiter(undefined);
    expect(limiter.enabled).toBe(false);
    expect(admittedInARow(limiter, 'PutSecretValue', 500)).toBe(500);
  });

  it('apply the AWS defaults when turned on', () => {
    expect(admittedInARow(givenLimiter(true).limiter, 'PutSecretValue')).toBe(50);
    expect(admittedInARow(givenLimiter(true).limiter, 'RotateSecret')).toBe(50);
    expect(admittedInARow(givenLimiter(true).limiter, 'GetSecretValue')).toBe(10_000);
    expect(admittedInARow(givenLimiter(true).limiter, 'ListSecrets')).toBe(100);
    expect(admittedInARow(givenLimiter(true).limiter, 'ListSecretVersionIds')).toBe(100);
    for (const operation of [
      'CreateSecret',
      'DeleteSecret',
      'TagResource',
      'CancelRotateSecret',
      'RestoreSecret',
      'GetRandomPassword',
    ] as const) {
      expect(admittedInARow(givenLimiter(true).limiter, operation)).toBe(50);
    }
  });

  it('share one bucket between PutSecretValue, UpdateSecret and UpdateSecretVersionStage', () => {
    const { limiter } = givenLimiter(true);
    for (let i = 0; i < 20; i++) limiter.admit('PutSecretValue');
    for (let i = 0; i < 20; i++) limiter.admit('UpdateSecret');
    expect(admittedInARow(limiter, 'UpdateSecretVersionStage')).toBe(10);
    // Other buckets are untouched.
    expect(admittedInARow(limiter, 'RotateSecret')).toBe(50);
  });

  it('refill continuously at the quota rate', () => {
    const { limiter, advance } = givenLimiter({ RotateSecret: 10 });
    expect(admittedInARow(limiter, 'RotateSecret')).toBe(10);
    advance(100);
    expect(admittedInARow(limiter, 'RotateSecret')).toBe(1);
    advance(10_000);
    // Never more than one second's worth of burst.
    expect(admittedInARow(limiter, 'RotateSecret')).toBe(10);
  });

  it('take overrides by operation (meaning its bucket) or by bucket name', () => {
    expect(resolveQuotaRates({ UpdateSecret: 5 }).SecretValueWrites).toBe(5);
    expect(resolveQuotaRates({ SecretReads: 7 }).SecretReads).toBe(7);
    const { limiter } = givenLimiter({ UpdateSecretVersionStage: 3 });
    expect(admittedInARow(limiter, 'PutSecretValue')).toBe(3);
    expect(() => resolveQuotaRates({ NotAnOperation: 1 } as never)).toThrow(/unknown quota or operation/);
    expect(() => resolveQuotaRates({ RotateSecret: 0 })).toThrow(/positive/);
  });

  it('can be switched off and on again at run time', () => {
    const { limiter } = givenLimiter({ CreateSecret: 1 });
    limiter.admit('CreateSecret');
    expect(() => {
      limiter.admit('CreateSecret');
    }).toThrow('Rate exceeded');
    limiter.configure(false);
    expect(admittedInARow(limiter, 'CreateSecret', 100)).toBe(100);
    limiter.configure(true);
    expect(admittedInARow(limiter, 'CreateSecret')).toBe(50);
  });

  it('cover every operation the server answers', () => {
    for (const operation of OPERATION_NAMES) expect(quotaBucketOf(operation)).toBeDefined();
    const bucketed = Object.values(DEFAULT_QUOTA_BUCKETS).flatMap((bucket) => [...bucket.operations]);
    expect(new Set(bucketed).size).toBe(bucketed.length);
  });
});
