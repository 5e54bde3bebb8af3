import { parseTaskInput } from '../../../functions/tasks/input';

const VERSION = '0f8e7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/app-AbCdEf';

describe('task input parsing', () => {
  it('accepts what the state machine sends and drops fields it does not know', () => {
    expect(
      parseTaskInput.revoke({ secretArn: ARN, previousVersionId: VERSION, terminateSessions: true, x: 1 }),
    ).toEqual({ secretArn: ARN, previousVersionId: VERSION, terminateSessions: true });
    expect(parseTaskInput.rollback({ secretArn: ARN, previousVersionId: VERSION })).toEqual({
      secretArn: ARN,
      previousVersionId: VERSION,
    });
  });

  it.each([
    ['preflight', parseTaskInput.preflight, {}, 'secretArn'],
    ['verify', parseTaskInput.verify, { secretArn: ARN }, 'previousVersionId'],
    ['drain', parseTaskInput.drain, { secretArn: ARN, previousVersionId: 'too-short' }, 'previousVersionId'],
    [
      'revoke',
      parseTaskInput.revoke,
      { secretArn: ARN, previousVersionId: VERSION, terminateSessions: 'yes' },
      'terminateSessions',
    ],
  ])('%s: rejects bad input with InvalidTaskInputError naming the field', (_task, parse, input, field) => {
    expect(() => parse(input)).toThrow(
      expect.objectContaining({
        name: 'InvalidTaskInputError',
        message: expect.stringContaining(field) as string,
      }) as Error,
    );
  });

  it('never quotes the input in its message (it could be a secret)', () => {
    const secretLike = 'hunter2-hunter2-hunter2';
    expect(() => parseTaskInput.verify({ secretArn: ARN, previousVersionId: secretLike })).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining(secretLike) as string }) as Error,
    );
  });
});
