import {
  formatQuarantineMarker,
  iamOptionsFromTags,
  readQuarantineMarker,
} from '../../../../functions/strategies/iam/options';
import { isUserArn } from '../../../../functions/strategies/iam/identity';
import { parseIamKeySecret, userNameOf, withAccessKey } from '../../../../functions/strategies/iam/secret';

const ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const NEW = { accessKeyId: 'AKIANEWKEY0000000001', secretAccessKey: 'new-secret-value-not-real-0000000000000' };

describe('iam-access-key secret shapes', () => {
  it.each([
    ['keyturn', { accessKeyId: ID, secretAccessKey: SECRET, userName: 'app' }, 'accessKeyId', 'secretAccessKey'],
    [
      'credentials-file',
      { aws_access_key_id: ID, aws_secret_access_key: SECRET },
      'aws_access_key_id',
      'aws_secret_access_key',
    ],
    ['iam-api', { AccessKeyId: ID, SecretAccessKey: SECRET, UserName: 'app' }, 'AccessKeyId', 'SecretAccessKey'],
  ])('reads the %s shape and writes a new key back in it, other fields kept', (shape, fields, idField, secretField) => {
    const parsed = parseIamKeySecret(JSON.stringify({ ...fields, region: 'eu-west-1' }), 'current');
    expect(parsed).toMatchObject({ shape, accessKeyId: ID, secretAccessKey: SECRET });
    const written = JSON.parse(withAccessKey(parsed, NEW)) as Record<string, unknown>;
    expect(written).toEqual({
      ...fields,
      region: 'eu-west-1',
      [idField]: NEW.accessKeyId,
      [secretField]: NEW.secretAccessKey,
    });
  });

  it('names the problem, never the value', () => {
    const bad = [
      ['not json', /not valid JSON/],
      [JSON.stringify({ password: SECRET }), /holds no access key: expected "accessKeyId" with "secretAccessKey"/],
      [JSON.stringify({ accessKeyId: 'short', secretAccessKey: SECRET }), /"accessKeyId" is not an access key id/],
      [JSON.stringify({ accessKeyId: ID }), /"secretAccessKey" is missing/],
      [JSON.stringify({ accessKeyId: ID, secretAccessKey: SECRET, AccessKeyId: ID }), /several shapes/],
      [JSON.stringify({ accessKeyId: ID, secretAccessKey: SECRET, userName: 'a,b c' }), /not an IAM user name/],
    ] as const;
    for (const [value, message] of bad) {
      let error: Error | undefined;
      try {
        parseIamKeySecret(value, 'current');
      } catch (e) {
        error = e as Error;
      }
      expect(error?.name).toBe('InvalidSecretValueError');
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain(SECRET);
    }
  });

  it('takes the user from the value or the entry, refusing two different ones', () => {
    const withUser = parseIamKeySecret(
      JSON.stringify({ accessKeyId: ID, secretAccessKey: SECRET, userName: 'app' }),
      'v',
    );
    const without = parseIamKeySecret(JSON.stringify({ aws_access_key_id: ID, aws_secret_access_key: SECRET }), 'v');
    expect(userNameOf(withUser, undefined, 'v')).toBe('app');
    expect(userNameOf(without, 'app', 'v')).toBe('app');
    expect(() => userNameOf(withUser, 'other', 'v')).toThrow(/names IAM user "app" but the entry names "other"/);
    expect(() => userNameOf(without, undefined, 'v')).toThrow(/names no IAM user/);
  });
});

describe('iam-access-key options and bookkeeping', () => {
  it('reads the entry options from tags, with defaults', () => {
    expect(iamOptionsFromTags({})).toEqual({
      path: '/',
      quarantineMs: 7 * 86_400_000,
      allowReplacingUnknownKey: false,
    });
    expect(
      iamOptionsFromTags({
        'keyturn:iam-user': 'app',
        'keyturn:iam-path': '/svc/',
        'keyturn:iam-role': 'arn:aws:iam::210987654321:role/keyturn-keys',
        'keyturn:iam-quarantine-seconds': '3600',
        'keyturn:iam-replace-unknown-key': 'true',
      }),
    ).toEqual({
      userName: 'app',
      path: '/svc/',
      roleArn: 'arn:aws:iam::210987654321:role/keyturn-keys',
      quarantineMs: 3_600_000,
      allowReplacingUnknownKey: true,
    });
    expect(() => iamOptionsFromTags({ 'keyturn:iam-role': 'role/x' })).toThrow(/is not an IAM role ARN/);
    expect(() => iamOptionsFromTags({ 'keyturn:iam-path': 'svc' })).toThrow(/must be an IAM path/);
  });

  it('round-trips the quarantine marker and ignores one it cannot read', () => {
    const marker = { accessKeyId: ID, since: new Date('2026-12-01T10:00:00.000Z') };
    expect(readQuarantineMarker({ 'keyturn:iam-deactivated': formatQuarantineMarker(marker) })).toEqual(marker);
    expect(readQuarantineMarker({ 'keyturn:iam-deactivated': 'garbage' })).toBeUndefined();
  });

  it('matches the user ARN exactly: account, path and name', () => {
    const user = { account: '123456789012', path: '/svc/', userName: 'app' };
    expect(isUserArn('arn:aws:iam::123456789012:user/svc/app', user)).toBe(true);
    expect(isUserArn('arn:aws-us-gov:iam::123456789012:user/svc/app', user)).toBe(true);
    expect(isUserArn('arn:aws:iam::123456789012:user/app', user)).toBe(false);
    expect(isUserArn('arn:aws:iam::210987654321:user/svc/app', user)).toBe(false);
    expect(isUserArn('arn:aws:iam::123456789012:user/svc/app2', user)).toBe(false);
    expect(isUserArn('arn:aws:sts::123456789012:assumed-role/svc/app', user)).toBe(false);
  });
});
