import {
  formatRotationFailure,
  rotationFailureOf,
  ROTATION_FAILURE_TAG,
} from '../../../functions/shared/rotation-failure';

describe('the failure record tag', () => {
  const failure = {
    token: '5b1e3f9e-1111-4222-8333-944455556666',
    step: 'setSecret',
    errorName: 'TargetUnreachableError',
    at: new Date('2026-12-07T01:02:03.000Z'),
    message: 'PostgreSQL at db.internal:5432 is unreachable: connect ECONNREFUSED (code "x"); retry later',
  };

  it('round-trips token, step, error and time, the message in tag characters', () => {
    const value = formatRotationFailure(failure);
    expect(value).toMatch(/^[\p{L}\p{N}\s_.:/=+\-@]*$/u);
    expect(rotationFailureOf({ [ROTATION_FAILURE_TAG]: value })).toEqual({
      ...failure,
      message: 'PostgreSQL at db.internal:5432 is unreachable: connect ECONNREFUSED code x retry later',
    });
  });

  it('fits one tag value however long the message', () => {
    const value = formatRotationFailure({ ...failure, message: 'x '.repeat(500) });
    expect(value.length).toBeLessThanOrEqual(256);
    expect(rotationFailureOf({ [ROTATION_FAILURE_TAG]: value })?.token).toBe(failure.token);
  });

  it('is absent without the tag, and ignored when unreadable', () => {
    expect(rotationFailureOf({})).toBeUndefined();
    expect(rotationFailureOf({ [ROTATION_FAILURE_TAG]: 'garbage' })).toBeUndefined();
  });
});
