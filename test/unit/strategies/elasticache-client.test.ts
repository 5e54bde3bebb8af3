import {
  DescribeUsersCommand,
  ElastiCacheClient,
  ModifyUserCommand,
  UserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { elastiCacheUserApi } from '../../../functions/strategies/redis/elasticache-client';

const elasticache = mockClient(ElastiCacheClient);
const client = new ElastiCacheClient({ region: 'us-east-1' });

beforeEach(() => {
  elasticache.reset();
});

describe('the ElastiCache port over the SDK', () => {
  it('describes a user by id: status, authentication type and password count, never a password', async () => {
    elasticache.on(DescribeUsersCommand, { UserId: 'checkout-app' }).resolves({
      Users: [
        {
          UserId: 'checkout-app',
          UserName: 'checkout',
          Status: 'modifying',
          Authentication: { Type: 'password', PasswordCount: 2 },
        },
      ],
    });

    const user = await (await elastiCacheUserApi(client)).describeUser('checkout-app');

    expect(user).toEqual({
      userId: 'checkout-app',
      userName: 'checkout',
      status: 'modifying',
      authenticationType: 'password',
      passwordCount: 2,
    });
  });

  it('sets the whole password set with ModifyUser, leaving the access string alone', async () => {
    elasticache.on(ModifyUserCommand).resolves({});

    await (
      await elastiCacheUserApi(client)
    ).setUserPasswords('checkout-app', ['old-pw-0123456789', 'new-pw-0123456789']);

    const calls = elasticache.commandCalls(ModifyUserCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual([
      {
        UserId: 'checkout-app',
        AuthenticationMode: { Type: 'password', Passwords: ['old-pw-0123456789', 'new-pw-0123456789'] },
      },
    ]);
  });

  it("passes the API's errors through by name (the strategy names them)", async () => {
    elasticache.on(DescribeUsersCommand).rejects(new UserNotFoundFault({ message: 'User not found', $metadata: {} }));

    await expect((await elastiCacheUserApi(client)).describeUser('nobody')).rejects.toMatchObject({
      name: 'UserNotFoundFault',
    });
  });
});
