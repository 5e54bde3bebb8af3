import { startLocalElastiCache, type LocalElastiCache } from '../../../local/elasticache';
import { localElastiCacheUserApi } from '../../support/elasticache';
import { sha256 } from '../../../local/elasticache/state';

/** The local ElastiCache's HTTP face: awsQuery requests as the SDK sends them, ElastiCache's answers. */

let ec: LocalElastiCache;
const PW1 = 'first-password-0001';
const PW2 = 'second-password-002';

beforeEach(async () => {
  ec = await startLocalElastiCache({ modifyDelayMs: 50 });
  await ec.addUser({ userId: 'app-user', userName: 'app', passwords: [PW1] });
});
afterEach(() => ec.stop());

async function post(params: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(ec.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Version: '2015-02-02', ...params }).toString(),
  });
  return { status: response.status, text: await response.text() };
}

describe('local ElastiCache: DescribeUsers', () => {
  it('describes a user by UserId in the 2015-02-02 namespace, with a password count and never a password', async () => {
    const { status, text } = await post({ Action: 'DescribeUsers', UserId: 'app-user' });
    expect(status).toBe(200);
    expect(text).toContain('<DescribeUsersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">');
    expect(text).toMatch(
      /<Users><member><UserId>app-user<\/UserId><UserName>app<\/UserName><Status>active<\/Status>.*<Authentication><Type>password<\/Type><PasswordCount>1<\/PasswordCount><\/Authentication><ARN>arn:aws:elasticache:us-east-1:123456789012:user:app-user<\/ARN><\/member><\/Users>/,
    );
    expect(text).not.toContain(PW1);
    expect(text).not.toContain(sha256(PW1));
  });

  it('an unknown UserId is UserNotFound with HTTP 404', async () => {
    const { status, text } = await post({ Action: 'DescribeUsers', UserId: 'nobody' });
    expect(status).toBe(404);
    expect(text).toMatch(/<Type>Sender<\/Type><Code>UserNotFound<\/Code><Message>User nobody not found.<\/Message>/);
  });

  it('another API version is NoSuchVersion', async () => {
    const { status, text } = await post({ Action: 'DescribeUsers', Version: '2014-10-31' });
    expect(status).toBe(400);
    expect(text).toContain('<Code>NoSuchVersion</Code>');
  });
});

describe('local ElastiCache: ModifyUser', () => {
  it('replaces the password set: modifying for the delay, then active with the new set', async () => {
    const { status, text } = await post({
      Action: 'ModifyUser',
      UserId: 'app-user',
      'AuthenticationMode.Type': 'password',
      'AuthenticationMode.Passwords.member.1': PW1,
      'AuthenticationMode.Passwords.member.2': PW2,
    });
    expect(status).toBe(200);
    expect(text).toMatch(/<ModifyUserResult><UserId>app-user<\/UserId>.*<Status>modifying<\/Status>/);
    expect(text).not.toContain(PW2);
    expect(ec.user('app-user')).toMatchObject({ status: 'modifying', passwordHashes: [sha256(PW1)] });

    await ec.settle();
    expect(ec.user('app-user')).toMatchObject({ status: 'active', passwordHashes: [sha256(PW1), sha256(PW2)].sort() });
  });

  it('takes the older Passwords parameter too, but not together with AuthenticationMode', async () => {
    expect((await post({ Action: 'ModifyUser', UserId: 'app-user', 'Passwords.member.1': PW2 })).status).toBe(200);
    await ec.settle();
    expect(ec.user('app-user')?.passwordHashes).toEqual([sha256(PW2)]);
    const both = await post({
      Action: 'ModifyUser',
      UserId: 'app-user',
      'Passwords.member.1': PW1,
      'AuthenticationMode.Type': 'password',
      'AuthenticationMode.Passwords.member.1': PW1,
    });
    expect(both.status).toBe(400);
    expect(both.text).toContain('<Code>InvalidParameterCombination</Code>');
  });

  it('while the user is modifying, another ModifyUser is InvalidUserState', async () => {
    // A change that stays in flight through the three calls below however loaded the machine (50 ms does not).
    await ec.stop();
    ec = await startLocalElastiCache({ modifyDelayMs: 3_000 });
    await ec.addUser({ userId: 'app-user', userName: 'app', passwords: [PW1] });
    const api = await localElastiCacheUserApi(ec.endpoint);
    await api.setUserPasswords('app-user', [PW2]);
    await expect(api.setUserPasswords('app-user', [PW1])).rejects.toMatchObject({
      name: 'InvalidUserStateFault',
      $metadata: expect.objectContaining({ httpStatusCode: 400 }) as unknown,
    });
    expect(await api.describeUser('app-user')).toMatchObject({ status: 'modifying', passwordCount: 1 });
  });

  it.each([
    ['too short', ['short-password']],
    ['a forbidden character', ['has/a-slash-in-it-00']],
    ['three passwords', [PW1, PW2, `${PW2}x`]],
  ])('refuses %s with InvalidParameterValue, quoting no password, and changes nothing', async (_case, passwords) => {
    const api = await localElastiCacheUserApi(ec.endpoint);
    const error = (await api.setUserPasswords('app-user', passwords).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: expect.objectContaining({ httpStatusCode: 400 }) as unknown,
    });
    for (const p of passwords) expect(error.message).not.toContain(p);
    expect(ec.user('app-user')).toMatchObject({ status: 'active', passwordHashes: [sha256(PW1)] });
  });

  it('an unknown user is UserNotFoundFault; an access string change is not emulated', async () => {
    const api = await localElastiCacheUserApi(ec.endpoint);
    await expect(api.setUserPasswords('nobody', [PW1])).rejects.toMatchObject({
      name: 'UserNotFoundFault',
      $metadata: expect.objectContaining({ httpStatusCode: 404 }) as unknown,
    });
    const access = await post({ Action: 'ModifyUser', UserId: 'app-user', AccessString: 'on ~* +@all' });
    expect(access.text).toContain('<Code>InvalidParameterValue</Code>');
  });

  it('injected faults answer before the model is touched', async () => {
    ec.faults.failNext('ModifyUser', 1, 'Throttling');
    const api = await localElastiCacheUserApi(ec.endpoint);
    await expect(api.setUserPasswords('app-user', [PW2])).rejects.toMatchObject({ name: 'Throttling' });
    expect(ec.user('app-user')?.status).toBe('active');
  });

  it('IAM and no-password users are described with their type and no password count', async () => {
    await ec.addUser({ userId: 'iam-user', userName: 'iam-user', authenticationType: 'iam' });
    expect(await (await localElastiCacheUserApi(ec.endpoint)).describeUser('iam-user')).toMatchObject({
      authenticationType: 'iam',
      passwordCount: 0,
    });
  });
});
