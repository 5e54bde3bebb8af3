import { FaultInjector } from '../../../../local/secretsmanager/faults';

describe('fault injection', () => {
  it('fails exactly the next N calls of the operation, with InternalServiceError (HTTP 500) by default', () => {
    const faults = new FaultInjector();
    faults.failNext('GetSecretValue', 2);
    expect(faults.take('PutSecretValue')).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      expect(faults.take('GetSecretValue')).toMatchObject({
        timing: 'before-applying',
        error: { name: 'InternalServiceError', httpStatus: 500 },
      });
    }
    expect(faults.take('GetSecretValue')).toBeUndefined();
  });

  it('answers with the exception asked for, client faults with HTTP 400, and queues plans in order', () => {
    const faults = new FaultInjector();
    faults.failNext('RotateSecret', 1, 'ThrottlingException');
    faults.failNext('RotateSecret', 1, 'LimitExceededException');
    expect(faults.pending()).toEqual([
      { operation: 'RotateSecret', remaining: 1, exceptionName: 'ThrottlingException', timing: 'before-applying' },
      { operation: 'RotateSecret', remaining: 1, exceptionName: 'LimitExceededException', timing: 'before-applying' },
    ]);
    expect(faults.take('RotateSecret')?.error).toMatchObject({ name: 'ThrottlingException', httpStatus: 400 });
    expect(faults.take('RotateSecret')?.error).toMatchObject({ name: 'LimitExceededException', httpStatus: 400 });
    expect(faults.take('RotateSecret')).toBeUndefined();
  });

  it('can let the call take effect first and answer with the fault afterwards (a lost answer)', () => {
    const faults = new FaultInjector();
    faults.failNext('PutSecretValue', 1, undefined, { timing: 'after-applying' });
    expect(faults.pending()).toEqual([
      { operation: 'PutSecretValue', remaining: 1, exceptionName: 'InternalServiceError', timing: 'after-applying' },
    ]);
    expect(faults.take('PutSecretValue')).toMatchObject({
      timing: 'after-applying',
      error: { name: 'InternalServiceError', httpStatus: 500 },
    });
  });

  it('scoped to one secret, is taken only by calls naming that secret, in any SecretId form', () => {
    const arns: Record<string, string> = { 'app/a': 'arn:a', 'arn:a': 'arn:a', 'app/b': 'arn:b', 'arn:b': 'arn:b' };
    const faults = new FaultInjector((secretId) => arns[secretId]);
    faults.failNext('GetSecretValue', 1, 'ThrottlingException', { secretId: 'app/a' });
    faults.failNext('GetSecretValue', 1, 'AccessDeniedException');
    expect(faults.pending()).toEqual([
      expect.objectContaining({ exceptionName: 'ThrottlingException', secretArn: 'arn:a' }),
      expect.objectContaining({ exceptionName: 'AccessDeniedException' }),
    ]);
    // A call on another secret passes over the scoped plan and takes the unscoped one.
    expect(faults.take('GetSecretValue', { SecretId: 'app/b' })?.error.name).toBe('AccessDeniedException');
    expect(faults.take('GetSecretValue', { SecretId: 'app/b' })).toBeUndefined();
    expect(faults.take('GetSecretValue', { SecretId: 'arn:a' })?.error.name).toBe('ThrottlingException');
    expect(faults.pending()).toEqual([]);

    // Clearing one secret's plans leaves the others.
    faults.failNext('GetSecretValue', 2, 'ThrottlingException', { secretId: 'app/a' });
    faults.failNext('PutSecretValue', 1, 'ThrottlingException', { secretId: 'arn:b' });
    faults.failNext('PutSecretValue', 1);
    faults.clear({ secretId: 'app/a' });
    expect(faults.pending().map((fault) => fault.secretArn)).toEqual(['arn:b', undefined]);
    expect(() => {
      faults.failNext('GetSecretValue', 1, undefined, { secretId: 'app/none' });
    }).toThrow(/no secret app\/none/);
  });

  it('words an injected AccessDeniedException as IAM words a denial', () => {
    const faults = new FaultInjector();
    faults.failNext('PutSecretValue', 1, 'AccessDeniedException');
    const taken = faults.take('PutSecretValue');
    expect(taken?.error).toMatchObject({ name: 'AccessDeniedException', httpStatus: 400 });
    expect(taken?.error.message).toMatch(/is not authorized to perform: secretsmanager:PutSecretValue/);
  });

  it('clears every plan', () => {
    const faults = new FaultInjector();
    faults.failNext('CreateSecret', 5);
    faults.clear();
    expect(faults.pending()).toEqual([]);
    expect(faults.take('CreateSecret')).toBeUndefined();
  });

  it('refuses unknown operations, non-positive counts and odd exception names', () => {
    const faults = new FaultInjector();
    expect(() => {
      faults.failNext('GetSecretValues', 1);
    }).toThrow(/unknown Secrets Manager operation/);
    expect(() => {
      faults.failNext('GetSecretValue', 0);
    }).toThrow(/positive/);
    expect(() => {
      faults.failNext('GetSecretValue', 1.5);
    }).toThrow(/positive/);
    expect(() => {
      faults.failNext('GetSecretValue', 1, 'not an identifier');
    }).toThrow(/identifier/);
    expect(() => {
      faults.failNext('GetSecretValue', 1, undefined, { timing: 'sometimes' as 'after-applying' });
    }).toThrow(/timing/);
    expect(faults.pending()).toEqual([]);
  });
});
