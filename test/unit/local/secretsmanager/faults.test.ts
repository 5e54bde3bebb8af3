import { FaultInjector } from '../../../../local/secretsmanager/faults';

describe('fault injection', () => {
  it('fails exactly the next N calls of the operation, with InternalServiceError (HTTP 500) by default', () => {
    const faults = new FaultInjector();
    faults.failNext('GetSecretValue', 2);
    expect(faults.take('PutSecretValue')).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      expect(faults.take('GetSecretValue')).toMatchObject({ name: 'InternalServiceError', httpStatus: 500 });
    }
    expect(faults.take('GetSecretValue')).toBeUndefined();
  });

  it('answers with the exception asked for, client faults with HTTP 400, and queues plans in order', () => {
    const faults = new FaultInjector();
    faults.failNext('RotateSecret', 1, 'ThrottlingException');
    faults.failNext('RotateSecret', 1, 'LimitExceededException');
    expect(faults.pending()).toEqual([
      { operation: 'RotateSecret', remaining: 1, exceptionName: 'ThrottlingException' },
      { operation: 'RotateSecret', remaining: 1, exceptionName: 'LimitExceededException' },
    ]);
    expect(faults.take('RotateSecret')).toMatchObject({ name: 'ThrottlingException', httpStatus: 400 });
    expect(faults.take('RotateSecret')).toMatchObject({ name: 'LimitExceededException', httpStatus: 400 });
    expect(faults.take('RotateSecret')).toBeUndefined();
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
    expect(faults.pending()).toEqual([]);
  });
});
