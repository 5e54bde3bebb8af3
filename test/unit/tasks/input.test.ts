import { parseLifecycleRequest, parseTaskInput } from '../../../functions/tasks/input';
import { testRun } from '../../support/rotation-run';

const VERSION = '0f8e7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/app-AbCdEf';
const RUN = testRun({ id: VERSION });

describe('task input parsing', () => {
  it('accepts what the state machine sends and drops fields it does not know', () => {
    expect(
      parseTaskInput.revoke({
        secretArn: ARN,
        rotation: RUN,
        previousVersionId: VERSION,
        terminateSessions: true,
        x: 1,
      }),
    ).toEqual({ secretArn: ARN, rotation: RUN, previousVersionId: VERSION, terminateSessions: true });
    expect(parseTaskInput.rollback({ secretArn: ARN, rotation: RUN, previousVersionId: VERSION })).toEqual({
      secretArn: ARN,
      rotation: RUN,
      previousVersionId: VERSION,
    });
  });

  it.each([
    ['preflight', parseTaskInput.preflight, {}, 'secretArn'],
    ['preflight', parseTaskInput.preflight, { secretArn: ARN }, 'rotation'],
    [
      'preflight',
      parseTaskInput.preflight,
      { secretArn: ARN, rotation: { ...RUN, trigger: 'cron' as never } },
      'rotation.trigger',
    ],
    ['verify', parseTaskInput.verify, { secretArn: ARN, rotation: RUN }, 'previousVersionId'],
    [
      'drain',
      parseTaskInput.drain,
      { secretArn: ARN, rotation: RUN, previousVersionId: 'too-short' },
      'previousVersionId',
    ],
    [
      'revoke',
      parseTaskInput.revoke,
      { secretArn: ARN, rotation: RUN, previousVersionId: VERSION, terminateSessions: 'yes' },
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
    expect(() => parseTaskInput.verify({ secretArn: ARN, rotation: RUN, previousVersionId: secretLike })).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining(secretLike) as string }) as Error,
    );
  });

  it('reads a lifecycle request, naming bad fields with InvalidRequestError', () => {
    expect(
      parseLifecycleRequest({ secretArn: ARN, trigger: 'schedule', scheduledTime: '2026-11-22T04:00:00Z' }),
    ).toEqual({
      secretArn: ARN,
      trigger: 'schedule',
      scheduledTime: '2026-11-22T04:00:00Z',
    });
    expect(() => parseLifecycleRequest({ secretArn: ARN, trigger: 'schedule', scheduledTime: 'at four' })).toThrow(
      expect.objectContaining({
        name: 'InvalidRequestError',
        message: expect.stringContaining('scheduledTime') as string,
      }) as Error,
    );
  });
});
