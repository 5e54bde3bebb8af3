/**
 * Secrets Manager behaviours written once against an SDK client and run against every target:
 * the local Secrets Manager, and moto when the machine's Python has it. The AWS API reference is
 * the yardstick. Where moto is known to differ from AWS, its case is marked `test.failing` through
 * MOTO_KNOWN_DEVIATIONS below: the assertion stays exactly as strict, and if moto ever starts
 * behaving like AWS, jest reports the now-passing case so the entry can be removed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  type Filter,
} from '@aws-sdk/client-secrets-manager';
import { startLocalSecretsManager } from '../../../local/secretsmanager/local-secrets-manager';
import { motoUnavailableReason, startMotoServer } from '../../support/moto';

/** Behaviour name -> why moto fails it (one line each). Everything not listed must pass on moto too. */
const MOTO_KNOWN_DEVIATIONS: Record<string, string> = {
  'PutSecretValue moves AWSCURRENT, AWSPREVIOUS follows, and unlabeled versions become deprecated':
    'moto lists deprecated (unlabeled) versions in VersionIdsToStages with an empty label list; AWS lists only labelled versions',
  'reads without VersionStage follow AWSCURRENT after UpdateSecretVersionStage moves it':
    'moto serves reads without VersionStage from its own default version, which a label move does not update',
  'UpdateSecretVersionStage refuses to remove AWSCURRENT without moving it':
    'moto lets AWSCURRENT be removed outright, leaving the secret without a current version',
  'UpdateSecretVersionStage is idempotent when the label is already where asked':
    'moto treats moving AWSCURRENT onto the version that already holds it as a real move and strips AWSPREVIOUS from the previous version',
  'UpdateSecretVersionStage answers ResourceNotFoundException for an unknown version':
    'moto answers InvalidParameterException for a MoveToVersionId that does not exist',
  'GetSecretValue with a VersionId and a VersionStage of different versions is ResourceNotFoundException':
    'moto answers InvalidRequestException',
  'CreateSecret with a name outside [A-Za-z0-9/_+=.@-] is InvalidParameterException':
    'moto accepts any characters in a name',
  'PutSecretValue with both SecretString and SecretBinary is InvalidParameterException':
    'moto accepts both and stores both',
  'GetSecretValue sets LastAccessedDate to the day of access': 'moto never sets LastAccessedDate',
  'PutSecretValue on a secret scheduled for deletion is InvalidRequestException':
    'moto lets a secret marked for deletion take new values',
  'CreateSecret on a name scheduled for deletion is InvalidRequestException': 'moto answers ResourceExistsException',
  'GetRandomPassword refuses a policy that leaves nothing to draw from':
    'moto crashes on it and answers an HTML 500 page instead of InvalidParameterException',
  'RotateSecret is refused while AWSPENDING is on a version that is not AWSCURRENT, and nothing changes':
    "moto's rotation-in-progress check is inverted: it refuses only when AWSPENDING sits on the AWSCURRENT version",
  'RotateSecret moves a leftover AWSPENDING off the AWSCURRENT version':
    "moto's inverted in-progress check refuses exactly this case, and it rejects a Lambda ARN it does not host",
  'RotateSecret creates an AWSPENDING placeholder without a value; reads refuse it and PutSecretValue with its token fills it':
    'moto answers RotateSecret with ResourceNotFoundException for a Lambda ARN it does not host; AWS accepts and fails the invocation asynchronously',
  'RotateSecret without a Lambda ARN given or stored is refused with InvalidRequestException':
    'moto accepts it and fakes a rotation by moving AWSCURRENT to a new version',
};

// ------------------------------------------------------------------------------------ targets

interface RunningTarget {
  readonly endpoint: string;
  stop(): Promise<void>;
}

interface Target {
  readonly name: 'local' | 'moto';
  start(): Promise<RunningTarget>;
}

const TARGETS: Target[] = [{ name: 'local', start: () => startLocalSecretsManager() }];
const motoReason = motoUnavailableReason();
if (motoReason === undefined) {
  TARGETS.push({ name: 'moto', start: () => startMotoServer() });
} else {
  // eslint-disable-next-line no-console -- a skipped target must be visible in the test output, with its reason
  console.warn(
    `Secrets Manager conformance: the moto target is SKIPPED because ${motoReason}. Only the local target runs.`,
  );
}

// ------------------------------------------------------------------------------------ helpers

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const UNHOSTED_FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:keyturn-conformance-not-deployed`;
const ARN_PATTERN = (name: string) =>
  new RegExp(
    `^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}-[A-Za-z0-9]{6}$`,
  );

async function expectAwsError(action: Promise<unknown>, exceptionName: string): Promise<void> {
  await expect(action).rejects.toMatchObject({ name: exceptionName });
}

const registeredBehaviours = new Set<string>();

describe.each(TARGETS)('Secrets Manager conformance: $name', (target) => {
  let running: RunningTarget;
  let client: SecretsManagerClient;
  /** Names are unique per run so targets that outlive a run (and parallel runs) never collide. */
  const run = randomBytes(4).toString('hex');
  const uniqueName = (label: string) => `conformance/${run}/${label}`;

  beforeAll(async () => {
    running = await target.start();
    client = new SecretsManagerClient({
      endpoint: running.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
      // One attempt: the behaviour under test must not be hidden by SDK retries.
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await running.stop();
  });

  /** Registers a behaviour; on moto, a listed deviation turns it into test.failing with its reason in the title. */
  function behaviour(name: string, body: () => Promise<void>): void {
    registeredBehaviours.add(name);
    const deviation = target.name === 'moto' ? MOTO_KNOWN_DEVIATIONS[name] : undefined;
    if (deviation === undefined) test(name, body);
    else test.failing(`${name} [known moto deviation: ${deviation}]`, body);
  }

  async function create(
    label: string,
    value = 'initial-value',
    extra: Partial<ConstructorParameters<typeof CreateSecretCommand>[0]> = {},
  ) {
    const name = uniqueName(label);
    const out = await client.send(new CreateSecretCommand({ Name: name, SecretString: value, ...extra }));
    return { name, arn: out.ARN as string, versionId: out.VersionId as string };
  }

  async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
    const out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return out.VersionIdsToStages ?? {};
  }

  /** UpdateSecretVersionStage: attach `stage` to version `to`, taking it from version `from`. */
  async function moveStage(secretId: string, stage: string, versions: { to?: string; from?: string }) {
    return client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: stage,
        MoveToVersionId: versions.to,
        RemoveFromVersionId: versions.from,
      }),
    );
  }

  async function put(secretId: string, value: string, extra: { token?: string; stages?: string[] } = {}) {
    const out = await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: value,
        ClientRequestToken: extra.token,
        VersionStages: extra.stages,
      }),
    );
    return out.VersionId as string;
  }

  // ---------------------------------------------------------------- create / get / put

  behaviour('CreateSecret returns an ARN with a six-character suffix and the token as VersionId', async () => {
    const name = uniqueName('create');
    const token = randomUUID();
    const out = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 's3cr3t', ClientRequestToken: token }),
    );
    expect(out.Name).toBe(name);
    expect(out.ARN).toMatch(ARN_PATTERN(name));
    expect(out.VersionId).toBe(token);
  });

  behaviour('GetSecretValue finds a secret by name, full ARN and partial ARN', async () => {
    const secret = await create('lookup', 'lookup-value');
    const partialArn = secret.arn.slice(0, -7);
    for (const secretId of [secret.name, secret.arn, partialArn]) {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      expect(out).toMatchObject({
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: 'lookup-value',
        VersionStages: ['AWSCURRENT'],
      });
      expect(out.CreatedDate).toBeInstanceOf(Date);
    }
  });

  behaviour('binary values round-trip byte for byte', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 255, 10, 13]);
    const name = uniqueName('binary');
    await client.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const out = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(out.SecretString).toBeUndefined();
    expect(Buffer.from(out.SecretBinary as Uint8Array)).toEqual(Buffer.from(bytes));
  });

  behaviour(
    'PutSecretValue moves AWSCURRENT, AWSPREVIOUS follows, and unlabeled versions become deprecated',
    async () => {
      const secret = await create('put-stages', 'v1');
      const v2 = await put(secret.name, 'v2');
      expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });

      const v3 = await put(secret.name, 'v3');
      expect(await stagesOf(secret.name)).toEqual({ [v2]: ['AWSPREVIOUS'], [v3]: ['AWSCURRENT'] });
      const previous = await client.send(
        new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'AWSPREVIOUS' }),
      );
      expect(previous).toMatchObject({ VersionId: v2, SecretString: 'v2' });

      const listed = await client.send(new ListSecretVersionIdsCommand({ SecretId: secret.name }));
      expect((listed.Versions ?? []).map((v) => v.VersionId).sort()).toEqual([v2, v3].sort());
      const withDeprecated = await client.send(
        new ListSecretVersionIdsCommand({ SecretId: secret.name, IncludeDeprecated: true }),
      );
      expect((withDeprecated.Versions ?? []).map((v) => v.VersionId).sort()).toEqual([secret.versionId, v2, v3].sort());
      // A deprecated version can still be read by its id.
      const v1 = await client.send(new GetSecretValueCommand({ SecretId: secret.name, VersionId: secret.versionId }));
      expect(v1.SecretString).toBe('v1');
    },
  );

  behaviour('PutSecretValue with the same token and the same value is idempotent', async () => {
    const secret = await create('put-idempotent', 'v1');
    const token = randomUUID();
    const first = await put(secret.name, 'v2', { token });
    const again = await put(secret.name, 'v2', { token });
    expect(first).toBe(token);
    expect(again).toBe(token);
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
  });

  behaviour(
    'PutSecretValue with the same token and a different value is refused with ResourceExistsException',
    async () => {
      const secret = await create('put-conflict', 'v1');
      const token = randomUUID();
      await put(secret.name, 'v2', { token });
      await expectAwsError(put(secret.name, 'v2-changed', { token }), 'ResourceExistsException');
      const current = await client.send(
        new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'AWSCURRENT' }),
      );
      expect(current).toMatchObject({ VersionId: token, SecretString: 'v2' });
    },
  );

  behaviour('PutSecretValue with VersionStages AWSPENDING leaves AWSCURRENT where it is', async () => {
    const secret = await create('put-pending', 'v1');
    const pending = await put(secret.name, 'v2', { stages: ['AWSPENDING'] });
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [pending]: ['AWSPENDING'] });
    const read = await client.send(new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'AWSCURRENT' }));
    expect(read.SecretString).toBe('v1');
    const pendingRead = await client.send(
      new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'AWSPENDING' }),
    );
    expect(pendingRead.SecretString).toBe('v2');
  });

  behaviour('PutSecretValue on a secret created without a value makes the first version AWSCURRENT', async () => {
    const name = uniqueName('first-version');
    const created = await client.send(new CreateSecretCommand({ Name: name }));
    expect(created.VersionId).toBeUndefined();
    const first = await put(name, 'v1', { stages: ['AWSPENDING'] });
    expect((await stagesOf(name))[first]?.slice().sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
  });

  behaviour('UpdateSecret with a value creates a version that becomes AWSCURRENT', async () => {
    const secret = await create('update-value', 'v1');
    const token = randomUUID();
    const out = await client.send(
      new UpdateSecretCommand({
        SecretId: secret.name,
        SecretString: 'v2',
        ClientRequestToken: token,
        Description: 'rotated by hand',
      }),
    );
    expect(out.VersionId).toBe(token);
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
    const described = await client.send(new DescribeSecretCommand({ SecretId: secret.name }));
    expect(described.Description).toBe('rotated by hand');
  });

  behaviour('CreateSecret retried with the same token and value is idempotent', async () => {
    const name = uniqueName('create-retry');
    const token = randomUUID();
    const first = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'same', ClientRequestToken: token }),
    );
    const retried = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'same', ClientRequestToken: token }),
    );
    expect(retried).toMatchObject({ ARN: first.ARN, VersionId: token });
  });

  // ---------------------------------------------------------------- staging labels

  behaviour('reads without VersionStage follow AWSCURRENT after UpdateSecretVersionStage moves it', async () => {
    const secret = await create('rollback-read', 'v1');
    const v2 = await put(secret.name, 'v2');
    await moveStage(secret.name, 'AWSCURRENT', { to: secret.versionId, from: v2 });
    const read = await client.send(new GetSecretValueCommand({ SecretId: secret.name }));
    expect(read).toMatchObject({ VersionId: secret.versionId, SecretString: 'v1' });
  });

  behaviour('UpdateSecretVersionStage moving AWSCURRENT back makes the version that lost it AWSPREVIOUS', async () => {
    const secret = await create('rollback', 'v1');
    const v2 = await put(secret.name, 'v2');
    await moveStage(secret.name, 'AWSCURRENT', { to: secret.versionId, from: v2 });
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [v2]: ['AWSPREVIOUS'] });
  });

  behaviour(
    'UpdateSecretVersionStage refuses to move a label attached elsewhere without RemoveFromVersionId',
    async () => {
      const secret = await create('move-without-remove', 'v1');
      const v2 = await put(secret.name, 'v2', { stages: ['AWSPENDING'] });
      await expectAwsError(moveStage(secret.name, 'AWSCURRENT', { to: v2 }), 'InvalidParameterException');
      expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [v2]: ['AWSPENDING'] });
    },
  );

  behaviour('UpdateSecretVersionStage refuses a RemoveFromVersionId that does not hold the label', async () => {
    const secret = await create('remove-wrong', 'v1');
    const v2 = await put(secret.name, 'v2', { stages: ['AWSPENDING'] });
    await expectAwsError(moveStage(secret.name, 'AWSCURRENT', { to: v2, from: v2 }), 'InvalidParameterException');
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [v2]: ['AWSPENDING'] });
  });

  behaviour('UpdateSecretVersionStage refuses to remove AWSCURRENT without moving it', async () => {
    const secret = await create('remove-current', 'v1');
    await expectAwsError(moveStage(secret.name, 'AWSCURRENT', { from: secret.versionId }), 'InvalidParameterException');
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'] });
  });

  behaviour('UpdateSecretVersionStage answers ResourceNotFoundException for an unknown version', async () => {
    const secret = await create('unknown-version', 'v1');
    await expectAwsError(
      moveStage(secret.name, 'AWSCURRENT', { to: randomUUID(), from: secret.versionId }),
      'ResourceNotFoundException',
    );
  });

  behaviour('UpdateSecretVersionStage is idempotent when the label is already where asked', async () => {
    const secret = await create('idempotent-move', 'v1');
    const v2 = await put(secret.name, 'v2');
    // v2 already holds AWSCURRENT: moving it there again (naming v2 as its holder) succeeds and changes nothing.
    for (let attempt = 0; attempt < 2; attempt++) {
      await moveStage(secret.name, 'AWSCURRENT', { to: v2, from: v2 });
    }
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
  });

  behaviour('custom staging labels can be attached and removed', async () => {
    const secret = await create('custom-label', 'v1');
    await moveStage(secret.name, 'BLUE', { to: secret.versionId });
    expect((await stagesOf(secret.name))[secret.versionId]?.slice().sort()).toEqual(['AWSCURRENT', 'BLUE']);
    const blue = await client.send(new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'BLUE' }));
    expect(blue.SecretString).toBe('v1');
    await moveStage(secret.name, 'BLUE', { from: secret.versionId });
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'] });
  });

  // ---------------------------------------------------------------- errors

  behaviour('an unknown secret is ResourceNotFoundException', async () => {
    await expectAwsError(
      client.send(new GetSecretValueCommand({ SecretId: uniqueName('does-not-exist') })),
      'ResourceNotFoundException',
    );
    await expectAwsError(
      client.send(new DescribeSecretCommand({ SecretId: uniqueName('does-not-exist') })),
      'ResourceNotFoundException',
    );
  });

  behaviour('CreateSecret on an existing name is ResourceExistsException', async () => {
    const secret = await create('duplicate', 'v1');
    await expectAwsError(
      client.send(new CreateSecretCommand({ Name: secret.name, SecretString: 'other' })),
      'ResourceExistsException',
    );
  });

  behaviour('GetSecretValue with an unknown staging label is ResourceNotFoundException', async () => {
    const secret = await create('unknown-stage', 'v1');
    await expectAwsError(
      client.send(new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'NOPE' })),
      'ResourceNotFoundException',
    );
  });

  behaviour(
    'GetSecretValue with a VersionId and a VersionStage of different versions is ResourceNotFoundException',
    async () => {
      const secret = await create('mismatch', 'v1');
      await put(secret.name, 'v2');
      await expectAwsError(
        client.send(
          new GetSecretValueCommand({ SecretId: secret.name, VersionId: secret.versionId, VersionStage: 'AWSCURRENT' }),
        ),
        'ResourceNotFoundException',
      );
    },
  );

  behaviour('CreateSecret with a name outside [A-Za-z0-9/_+=.@-] is InvalidParameterException', async () => {
    await expectAwsError(
      client.send(new CreateSecretCommand({ Name: `${uniqueName('bad')} name#1`, SecretString: 'x' })),
      'InvalidParameterException',
    );
  });

  behaviour('PutSecretValue with both SecretString and SecretBinary is InvalidParameterException', async () => {
    const secret = await create('both-values', 'v1');
    await expectAwsError(
      client.send(
        new PutSecretValueCommand({ SecretId: secret.name, SecretString: 'a', SecretBinary: new Uint8Array([1]) }),
      ),
      'InvalidParameterException',
    );
  });

  // ---------------------------------------------------------------- describe / list / tags

  behaviour('DescribeSecret reports the secret and omits what is unset', async () => {
    const secret = await create('describe', 'v1', {
      Description: 'the payments database',
      Tags: [{ Key: 'team', Value: 'payments' }],
    });
    const out = await client.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    expect(out).toMatchObject({
      ARN: secret.arn,
      Name: secret.name,
      Description: 'the payments database',
      Tags: [{ Key: 'team', Value: 'payments' }],
      VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] },
    });
    expect(out.CreatedDate).toBeInstanceOf(Date);
    expect(out.LastChangedDate).toBeInstanceOf(Date);
    for (const unset of [
      'DeletedDate',
      'LastRotatedDate',
      'NextRotationDate',
      'RotationEnabled',
      'RotationLambdaARN',
      'KmsKeyId',
    ] as const) {
      expect(out[unset]).toBeUndefined();
    }
  });

  behaviour('GetSecretValue sets LastAccessedDate to the day of access', async () => {
    const secret = await create('accessed', 'v1');
    await client.send(new GetSecretValueCommand({ SecretId: secret.name }));
    const out = await client.send(new DescribeSecretCommand({ SecretId: secret.name }));
    const accessed = out.LastAccessedDate as Date;
    expect(accessed).toBeInstanceOf(Date);
    const today = new Date();
    expect(accessed.toISOString().slice(0, 10)).toBe(today.toISOString().slice(0, 10));
    expect(accessed.getUTCHours() + accessed.getUTCMinutes() + accessed.getUTCSeconds()).toBe(0);
  });

  behaviour('ListSecrets filters by name prefix, tags, description and negation', async () => {
    const prefix = uniqueName('list');
    await client.send(
      new CreateSecretCommand({
        Name: `${prefix}/alpha-db`,
        SecretString: 'x',
        Description: 'Primary database',
        Tags: [{ Key: 'team', Value: 'core' }],
      }),
    );
    await client.send(
      new CreateSecretCommand({
        Name: `${prefix}/alpha-api`,
        SecretString: 'x',
        Tags: [{ Key: 'team', Value: 'edge' }],
      }),
    );
    await client.send(
      new CreateSecretCommand({
        Name: `${prefix}/beta-db`,
        SecretString: 'x',
        Tags: [{ Key: 'owner', Value: 'core' }],
      }),
    );
    const names = async (filters: Filter[]) => {
      const out = await client.send(new ListSecretsCommand({ Filters: filters }));
      return (out.SecretList ?? []).map((entry) => entry.Name).sort();
    };
    const under = { Key: 'name' as const, Values: [prefix] };
    expect(await names([{ Key: 'name', Values: [`${prefix}/alpha`] }])).toEqual([
      `${prefix}/alpha-api`,
      `${prefix}/alpha-db`,
    ]);
    expect(await names([under, { Key: 'tag-key', Values: ['team'] }])).toEqual([
      `${prefix}/alpha-api`,
      `${prefix}/alpha-db`,
    ]);
    expect(await names([under, { Key: 'tag-value', Values: ['co'] }])).toEqual([
      `${prefix}/alpha-db`,
      `${prefix}/beta-db`,
    ]);
    expect(await names([under, { Key: 'description', Values: ['primary'] }])).toEqual([`${prefix}/alpha-db`]);
    expect(await names([under, { Key: 'tag-key', Values: ['!team'] }])).toEqual([`${prefix}/beta-db`]);
  });

  behaviour('ListSecrets pages with MaxResults and NextToken', async () => {
    const prefix = uniqueName('paging');
    for (let i = 0; i < 5; i++)
      await client.send(new CreateSecretCommand({ Name: `${prefix}/s${i}`, SecretString: 'x' }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 2, NextToken: nextToken }),
      );
      const page = (out.SecretList ?? []).map((entry) => entry.Name as string);
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
      nextToken = out.NextToken;
      pages++;
    } while (nextToken && pages < 10);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}/s${i}`));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  behaviour('TagResource merges by key and UntagResource removes by key', async () => {
    const secret = await create('tags', 'v1', { Tags: [{ Key: 'team', Value: 'core' }] });
    await client.send(
      new TagResourceCommand({
        SecretId: secret.name,
        Tags: [
          { Key: 'team', Value: 'edge' },
          { Key: 'tier', Value: '1' },
        ],
      }),
    );
    const tagged = await client.send(new DescribeSecretCommand({ SecretId: secret.name }));
    expect(tagged.Tags?.slice().sort((a, b) => (a.Key ?? '').localeCompare(b.Key ?? ''))).toEqual([
      { Key: 'team', Value: 'edge' },
      { Key: 'tier', Value: '1' },
    ]);
    await client.send(new UntagResourceCommand({ SecretId: secret.name, TagKeys: ['team'] }));
    const untagged = await client.send(new DescribeSecretCommand({ SecretId: secret.name }));
    expect(untagged.Tags).toEqual([{ Key: 'tier', Value: '1' }]);
  });

  behaviour('BatchGetSecretValue returns the values it can and an error entry for each secret it cannot', async () => {
    const a = await create('batch-a', 'value-a');
    const b = await create('batch-b', 'value-b');
    const missing = uniqueName('batch-missing');
    const out = await client.send(new BatchGetSecretValueCommand({ SecretIdList: [a.name, b.arn, missing] }));
    expect((out.SecretValues ?? []).map((entry) => [entry.Name, entry.SecretString]).sort()).toEqual([
      [a.name, 'value-a'],
      [b.name, 'value-b'],
    ]);
    expect(out.Errors).toEqual([
      expect.objectContaining({ SecretId: missing, ErrorCode: 'ResourceNotFoundException' }),
    ]);
  });

  // ---------------------------------------------------------------- delete / restore

  behaviour(
    'DeleteSecret schedules deletion: reads fail, DescribeSecret shows DeletedDate, RestoreSecret undoes it',
    async () => {
      const secret = await create('delete-restore', 'v1');
      const deleted = await client.send(new DeleteSecretCommand({ SecretId: secret.name, RecoveryWindowInDays: 7 }));
      expect(deleted.ARN).toBe(secret.arn);
      const inSevenDays = Date.now() + 7 * 86_400_000;
      expect(Math.abs((deleted.DeletionDate as Date).getTime() - inSevenDays)).toBeLessThan(120_000);

      await expectAwsError(
        client.send(new GetSecretValueCommand({ SecretId: secret.name })),
        'InvalidRequestException',
      );
      const described = await client.send(new DescribeSecretCommand({ SecretId: secret.name }));
      expect(described.DeletedDate).toBeInstanceOf(Date);

      const listed = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [secret.name] }] }));
      expect(listed.SecretList ?? []).toHaveLength(0);
      const planned = await client.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [secret.name] }], IncludePlannedDeletion: true }),
      );
      expect((planned.SecretList ?? []).map((entry) => entry.Name)).toEqual([secret.name]);

      await client.send(new RestoreSecretCommand({ SecretId: secret.name }));
      const restored = await client.send(new GetSecretValueCommand({ SecretId: secret.name }));
      expect(restored.SecretString).toBe('v1');
      expect((await client.send(new DescribeSecretCommand({ SecretId: secret.name }))).DeletedDate).toBeUndefined();
    },
  );

  behaviour('PutSecretValue on a secret scheduled for deletion is InvalidRequestException', async () => {
    const secret = await create('delete-then-put', 'v1');
    await client.send(new DeleteSecretCommand({ SecretId: secret.name, RecoveryWindowInDays: 7 }));
    await expectAwsError(put(secret.name, 'v2'), 'InvalidRequestException');
    await client.send(new RestoreSecretCommand({ SecretId: secret.name }));
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'] });
  });

  behaviour(
    'DeleteSecret refuses RecoveryWindowInDays together with ForceDeleteWithoutRecovery, and windows outside 7-30',
    async () => {
      const secret = await create('delete-params', 'v1');
      await expectAwsError(
        client.send(
          new DeleteSecretCommand({ SecretId: secret.name, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }),
        ),
        'InvalidParameterException',
      );
      await expectAwsError(
        client.send(new DeleteSecretCommand({ SecretId: secret.name, RecoveryWindowInDays: 6 })),
        'InvalidParameterException',
      );
      await expectAwsError(
        client.send(new DeleteSecretCommand({ SecretId: secret.name, RecoveryWindowInDays: 31 })),
        'InvalidParameterException',
      );
      expect((await client.send(new GetSecretValueCommand({ SecretId: secret.name }))).SecretString).toBe('v1');
    },
  );

  behaviour('ForceDeleteWithoutRecovery removes the secret at once and frees its name', async () => {
    const secret = await create('force-delete', 'v1');
    await client.send(new DeleteSecretCommand({ SecretId: secret.name, ForceDeleteWithoutRecovery: true }));
    await expectAwsError(
      client.send(new DescribeSecretCommand({ SecretId: secret.name })),
      'ResourceNotFoundException',
    );
    const recreated = await client.send(new CreateSecretCommand({ Name: secret.name, SecretString: 'v2' }));
    expect(recreated.ARN).not.toBe(secret.arn);
  });

  behaviour('CreateSecret on a name scheduled for deletion is InvalidRequestException', async () => {
    const secret = await create('pending-delete-name', 'v1');
    await client.send(new DeleteSecretCommand({ SecretId: secret.name }));
    await expectAwsError(
      client.send(new CreateSecretCommand({ Name: secret.name, SecretString: 'v2' })),
      'InvalidRequestException',
    );
  });

  // ---------------------------------------------------------------- GetRandomPassword

  behaviour('GetRandomPassword honours the length and the exclusions', async () => {
    const out = await client.send(
      new GetRandomPasswordCommand({
        PasswordLength: 64,
        ExcludePunctuation: true,
        ExcludeUppercase: true,
        ExcludeCharacters: 'abc',
      }),
    );
    expect(out.RandomPassword).toMatch(/^[d-z0-9]{64}$/);
  });

  behaviour('GetRandomPassword with RequireEachIncludedType puts every included class in', async () => {
    for (let i = 0; i < 20; i++) {
      const out = await client.send(
        new GetRandomPasswordCommand({
          PasswordLength: 4,
          ExcludePunctuation: true,
          IncludeSpace: false,
          RequireEachIncludedType: true,
        }),
      );
      const password = out.RandomPassword as string;
      expect(password).toHaveLength(4);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
    }
  });

  behaviour('GetRandomPassword refuses a policy that leaves nothing to draw from', async () => {
    await expectAwsError(
      client.send(
        new GetRandomPasswordCommand({
          ExcludeLowercase: true,
          ExcludeUppercase: true,
          ExcludeNumbers: true,
          ExcludePunctuation: true,
        }),
      ),
      'InvalidParameterException',
    );
  });

  // ---------------------------------------------------------------- RotateSecret (no function needed)

  behaviour(
    'RotateSecret is refused while AWSPENDING is on a version that is not AWSCURRENT, and nothing changes',
    async () => {
      const secret = await create('rotate-refused', 'v1');
      const pending = await put(secret.name, 'half-rotated', { stages: ['AWSPENDING'] });
      const before = await stagesOf(secret.name);
      await expectAwsError(
        client.send(new RotateSecretCommand({ SecretId: secret.name, RotationLambdaARN: UNHOSTED_FUNCTION_ARN })),
        'InvalidRequestException',
      );
      expect(await stagesOf(secret.name)).toEqual(before);
      expect(before[pending]).toEqual(['AWSPENDING']);
    },
  );

  behaviour('RotateSecret moves a leftover AWSPENDING off the AWSCURRENT version', async () => {
    const secret = await create('rotate-leftover', 'v1');
    const current = await put(secret.name, 'v2', { stages: ['AWSCURRENT', 'AWSPENDING'] });
    const token = randomUUID();
    const out = await client.send(
      new RotateSecretCommand({
        SecretId: secret.name,
        RotationLambdaARN: UNHOSTED_FUNCTION_ARN,
        ClientRequestToken: token,
      }),
    );
    expect(out.VersionId).toBe(token);
    const stages = await stagesOf(secret.name);
    expect(stages[current]).toEqual(['AWSCURRENT']);
    expect(stages[token]).toEqual(['AWSPENDING']);
  });

  behaviour(
    'RotateSecret creates an AWSPENDING placeholder without a value; reads refuse it and PutSecretValue with its token fills it',
    async () => {
      const secret = await create('placeholder', 'v1');
      const token = randomUUID();
      await client.send(
        new RotateSecretCommand({
          SecretId: secret.name,
          RotationLambdaARN: UNHOSTED_FUNCTION_ARN,
          ClientRequestToken: token,
        }),
      );
      expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
      await expectAwsError(
        client.send(new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'AWSPENDING' })),
        'ResourceNotFoundException',
      );
      await expectAwsError(
        client.send(new GetSecretValueCommand({ SecretId: secret.name, VersionId: token })),
        'ResourceNotFoundException',
      );

      // What a rotation function's createSecret step does: fill the placeholder under the token.
      await put(secret.name, 'v2', { token, stages: ['AWSPENDING'] });
      const pending = await client.send(
        new GetSecretValueCommand({ SecretId: secret.name, VersionStage: 'AWSPENDING' }),
      );
      expect(pending).toMatchObject({ VersionId: token, SecretString: 'v2' });
      expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    },
  );

  behaviour('RotateSecret without a Lambda ARN given or stored is refused with InvalidRequestException', async () => {
    const secret = await create('rotate-no-function', 'v1');
    await expectAwsError(client.send(new RotateSecretCommand({ SecretId: secret.name })), 'InvalidRequestException');
    expect(await stagesOf(secret.name)).toEqual({ [secret.versionId]: ['AWSCURRENT'] });
  });
});

test('every MOTO_KNOWN_DEVIATIONS entry names a behaviour of this suite', () => {
  for (const name of Object.keys(MOTO_KNOWN_DEVIATIONS)) expect(registeredBehaviours).toContain(name);
});
