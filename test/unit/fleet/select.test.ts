import { ListSecretsCommand, SecretsManagerClient, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  FLEET_PAGE_BUDGET_BYTES,
  FLEET_PAGE_SIZE,
  MAX_EXPLICIT_SECRETS,
  pageItemBytes,
  type FleetPage,
} from '../../../functions/fleet/contract';
import { parseSelectInput } from '../../../functions/fleet/input';
import { inChunks, selectPage } from '../../../functions/fleet/select';
import { ManagementTag } from '../../../functions/shared/management-tags';

const FLEET_EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:keyturn-fleet:run-1';
const arn = (i: number) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:app/key-${i}-AbCdEf`;

const sm = mockClient(SecretsManagerClient);
const itemsOf = (page: FleetPage): string[] => page.chunks.flat();
const deps = { secretsManager: new SecretsManagerClient({}) };

beforeEach(() => {
  sm.reset();
});

function input(request: Record<string, unknown>, progress: Record<string, unknown> = {}) {
  return parseSelectInput({ request, progress, fleetExecutionArn: FLEET_EXECUTION });
}

function entry(i: number, tags: Record<string, string>, rotationEnabled = true): SecretListEntry {
  return {
    ARN: arn(i),
    Name: `app/key-${i}`,
    RotationEnabled: rotationEnabled,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

describe('selectPage: explicit list', () => {
  it('drops duplicates (first occurrence wins) and cuts pages of FLEET_PAGE_SIZE with a token to the next', async () => {
    const arns = [...Array.from({ length: 300 }, (_, i) => arn(i)), arn(3), arn(7)];
    const first = await selectPage(input({ selection: { secretArns: arns } }), deps);
    expect(itemsOf(first)).toEqual(Array.from({ length: FLEET_PAGE_SIZE }, (_, i) => arn(i)));
    expect(first.nextToken).not.toBeNull();

    const second = await selectPage(
      input({ selection: { secretArns: arns } }, { pagesThisExecution: 1, pages: 1, nextToken: first.nextToken }),
      deps,
    );
    expect(itemsOf(second)).toEqual(Array.from({ length: 300 - FLEET_PAGE_SIZE }, (_, i) => arn(FLEET_PAGE_SIZE + i)));
    expect(second.nextToken).toBeNull();
    expect(sm.calls()).toHaveLength(0);
  });

  it('cuts smaller pages when long ARNs would make the state too big', async () => {
    const longArn = (i: number) =>
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:${'n'.repeat(400)}/${String(i)}-AbCdEf`;
    const arns = Array.from({ length: 200 }, (_, i) => longArn(i));
    const page = await selectPage(input({ selection: { secretArns: arns.slice(0, 100) } }), deps);
    expect(itemsOf(page).length).toBeLessThan(100);
    expect(itemsOf(page).reduce((bytes, item) => bytes + pageItemBytes(item), 0)).toBeLessThanOrEqual(
      FLEET_PAGE_BUDGET_BYTES,
    );
  });

  it('hands every lifecycle the fleet input: trigger, fleet execution, alert topic and reason', async () => {
    const topic = 'arn:aws:sns:us-east-1:123456789012:keyturn-alerts';
    const page = await selectPage(
      input({ selection: { secretArns: [arn(1)] }, alertTopicArn: topic, reason: 'CHG-42', maxConcurrency: 7 }),
      deps,
    );
    expect(page.lifecycleInput).toEqual({
      trigger: 'fleet',
      fleetExecutionArn: FLEET_EXECUTION,
      alertTopicArn: topic,
      reason: 'CHG-42',
    });
    expect(page).toMatchObject({ chunks: [[arn(1)]], chunkConcurrency: 7 });
  });

  it('makes every lifecycle a dry run when the fleet is one, and refuses a dryRun that is not a boolean', async () => {
    const page = await selectPage(input({ selection: { secretArns: [arn(1)] }, dryRun: true }), deps);
    expect(page.lifecycleInput).toEqual({ trigger: 'fleet', fleetExecutionArn: FLEET_EXECUTION, dryRun: true });
    const real = await selectPage(input({ selection: { secretArns: [arn(1)] }, dryRun: false }), deps);
    expect(real.lifecycleInput).not.toHaveProperty('dryRun');

    expect(() => input({ selection: { secretArns: [arn(1)] }, dryRun: 'yes' })).toThrow(
      expect.objectContaining({
        name: 'InvalidFleetRequestError',
        message: expect.stringContaining('dryRun: expected boolean') as string,
      }) as Error,
    );
  });

  it('refuses a token it did not hand out', async () => {
    await expect(
      selectPage(
        input({ selection: { secretArns: [arn(1)] } }, { pagesThisExecution: 1, nextToken: 'tags:abc' }),
        deps,
      ),
    ).rejects.toMatchObject({ name: 'InvalidFleetTokenError' });
  });
});

describe('selectPage: by tags', () => {
  const managed = { [ManagementTag.managed]: 'true' };

  it('keeps managed secrets with rotation enabled carrying every tag exactly, and counts the excluded', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        entry(1, { ...managed, team: 'payments', tier: 'gold' }),
        entry(2, { ...managed, team: 'payments-eu', tier: 'gold' }), // prefix of the value only
        entry(3, { team: 'payments', tier: 'gold' }), // not managed by keyturn
        entry(4, { ...managed, team: 'payments', tier: 'gold' }, false), // rotation off
        entry(5, { ...managed, team: 'payments' }), // lacks a tag
        entry(6, { ...managed, team: 'payments', tier: 'gold', extra: 'x' }),
      ],
    });

    const page = await selectPage(input({ selection: { tags: { team: 'payments', tier: 'gold' } } }), deps);

    expect(itemsOf(page)).toEqual([arn(1), arn(6)]);
    expect(page).toMatchObject({ nextToken: null, excluded: 1 });
    expect(sm.commandCalls(ListSecretsCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Key: 'tag-key', Values: ['team'] },
        { Key: 'tag-value', Values: ['payments'] },
      ],
      MaxResults: 100,
      NextToken: undefined,
    });
  });

  it('passes ListSecrets paging through its own token, listing on while another listing page fits', async () => {
    const hundred = (from: number) => Array.from({ length: 100 }, (_, i) => entry(from + i, { ...managed, team: 'a' }));
    sm.on(ListSecretsCommand)
      .resolvesOnce({ SecretList: [entry(1, { team: 'other' })], NextToken: 'p2' })
      .resolvesOnce({ SecretList: [entry(2, { ...managed, team: 'a' })], NextToken: 'p3' })
      .resolvesOnce({ SecretList: hundred(100), NextToken: 'p4' })
      .resolvesOnce({ SecretList: hundred(200), NextToken: 'p5' })
      .resolvesOnce({ SecretList: [entry(3, { ...managed, team: 'a' })] });

    const first = await selectPage(input({ selection: { tags: { team: 'a' } } }), deps);
    // 1 + 100 + 100: a fifth listing page might not fit in FLEET_PAGE_SIZE.
    expect(itemsOf(first)).toEqual([arn(2), ...Array.from({ length: 200 }, (_, i) => arn(100 + i))]);
    expect(first.nextToken).toBe('tags:p5');
    const second = await selectPage(
      input({ selection: { tags: { team: 'a' } } }, { pagesThisExecution: 1, pages: 1, nextToken: first.nextToken }),
      deps,
    );
    expect(itemsOf(second)).toEqual([arn(3)]);
    expect(second.nextToken).toBeNull();
    expect(sm.commandCalls(ListSecretsCommand).map((call) => call.args[0].input.NextToken)).toEqual([
      undefined,
      'p2',
      'p3',
      'p4',
      'p5',
    ]);
  });

  it('stops before a page could hold more than FLEET_PAGE_SIZE', async () => {
    let next = 0;
    sm.on(ListSecretsCommand).callsFake(() => {
      next += 1;
      return Promise.resolve({
        SecretList: Array.from({ length: 100 }, (_, i) => entry(next * 1000 + i, { ...managed, team: 'a' })),
        NextToken: `p${String(next + 1)}`,
      });
    });
    const page = await selectPage(input({ selection: { tags: { team: 'a' } } }), deps);
    expect(itemsOf(page).length).toBeLessThanOrEqual(FLEET_PAGE_SIZE);
    expect(itemsOf(page).length).toBeGreaterThan(FLEET_PAGE_SIZE - 100);
  });

  it('fails with EmptyFleetSelectionError when nothing matches, saying why', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [entry(4, { ...managed, team: 'a' }, false)] });
    await expect(selectPage(input({ selection: { tags: { team: 'a' } } }), deps)).rejects.toMatchObject({
      name: 'EmptyFleetSelectionError',
      message: expect.stringContaining('none has rotation enabled') as unknown,
    });
  });
});

describe('parseSelectInput: bad requests name the field, never the value', () => {
  it.each([
    ['both selections', { selection: { tags: { a: 'b' }, secretArns: [arn(1)] } }, /not both/],
    ['no selection', { selection: {} }, /give tags or secretArns/],
    ['no tag', { selection: { tags: {} } }, /selection\.tags: name at least one tag/],
    [
      'an invalid ARN',
      { selection: { secretArns: ['not-an-arn-s3cr3t'] } },
      /selection\.secretArns\.0: must be a Secrets Manager secret ARN/,
    ],
    [
      'a negative tolerance',
      { selection: { tags: { a: 'b' } }, toleratedFailurePercentage: -1 },
      /toleratedFailurePercentage/,
    ],
    [
      'a concurrency above 250',
      { selection: { tags: { a: 'b' } }, maxConcurrency: 251 },
      /maxConcurrency: must be at most 250/,
    ],
    [
      'a bad alert topic',
      { selection: { tags: { a: 'b' } }, alertTopicArn: 'topic' },
      /alertTopicArn: must be an SNS topic ARN/,
    ],
  ])('refuses %s with InvalidFleetRequestError', (_name, request, message) => {
    let thrown: unknown;
    try {
      input(request);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      name: 'InvalidFleetRequestError',
      message: expect.stringMatching(message) as unknown,
    });
    expect((thrown as Error).message).not.toContain('s3cr3t');
  });

  it('refuses an explicit list longer than MAX_EXPLICIT_SECRETS', () => {
    const arns = Array.from({ length: MAX_EXPLICIT_SECRETS + 1 }, (_, i) => arn(i));
    expect(() => input({ selection: { secretArns: arns } })).toThrow(/selection\.secretArns: must be at most 1000/);
  });

  it('refuses an explicit list of more than MAX_EXPLICIT_SECRETS_BYTES of ARNs', () => {
    const long = (i: number) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${'n'.repeat(300)}-${String(i)}`;
    const arns = Array.from({ length: 400 }, (_, i) => long(i));
    expect(() => input({ selection: { secretArns: arns } })).toThrow(/selection\.secretArns: must hold at most 96 KB/);
  });

  it('an empty explicit list is an EmptyFleetSelectionError', async () => {
    await expect(selectPage(input({ selection: { secretArns: [] } }), deps)).rejects.toMatchObject({
      name: 'EmptyFleetSelectionError',
    });
  });
});

describe('inChunks: a page as chunks that run side by side', () => {
  const items = Array.from({ length: 250 }, (_, i) => arn(i));

  it.each([
    [40, [250], 40],
    [7, [250], 7],
    [120, [84, 84, 82], 40],
    [60, [125, 125], 30],
    [250, [36, 36, 36, 36, 36, 36, 34], 36],
  ])('%i at once: chunks of %j, each running %i at once', (concurrency, sizes, chunkConcurrency) => {
    const { chunks, chunkConcurrency: perChunk } = inChunks(items, concurrency);
    expect(chunks.map((chunk) => chunk.length)).toEqual(sizes);
    expect(perChunk).toBe(chunkConcurrency);
    expect(perChunk).toBeLessThanOrEqual(40);
    expect(chunks.flat()).toEqual(items);
  });

  it('a page smaller than the chunk count gives one chunk per item', () => {
    expect(inChunks([arn(1), arn(2)], 200).chunks).toEqual([[arn(1)], [arn(2)]]);
  });
});
