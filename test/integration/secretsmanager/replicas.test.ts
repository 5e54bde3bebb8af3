import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  type LocalSecretsManager,
  startLocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';

/**
 * Replicas in the local Secrets Manager, through the real SDK: CreateSecret's AddReplicaRegions and
 * ReplicateSecretToRegions copy the secret to other regions (read with a client configured for that region, as
 * the SDK signs for it), after a replication lag on an injected clock; writes to a replica are refused as AWS
 * refuses them; a test sets the status AWS would report when replication fails.
 */

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
let local: LocalSecretsManager;
let client: SecretsManagerClient;
const path = join(mkdtempSync(join(tmpdir(), 'keyturn-replicas-')), 'secrets.json');

beforeAll(async () => {
  local = await startLocalSecretsManager({ persistPath: path });
  client = new SecretsManagerClient({ endpoint: local.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await local.stop();
});

it('reports each replica InSync (no lag), then the status a test sets, and keeps it across a restart', async () => {
  // GIVEN a secret replicated to two regions
  const created = await client.send(
    new CreateSecretCommand({
      Name: 'replicated',
      SecretString: 'v',
      AddReplicaRegions: [{ Region: 'eu-west-1', KmsKeyId: 'alias/replica' }, { Region: 'eu-central-1' }],
    }),
  );
  expect(created.ReplicationStatus).toEqual([
    { Region: 'eu-west-1', KmsKeyId: 'alias/replica', Status: 'InSync' },
    { Region: 'eu-central-1', Status: 'InSync' },
  ]);

  // WHEN replication to one region fails
  local.setReplicaStatus('replicated', 'eu-central-1', 'Failed', 'Secret with this name already exists');

  // THEN DescribeSecret reports it, with its message
  const described = await client.send(new DescribeSecretCommand({ SecretId: 'replicated' }));
  expect(described.ReplicationStatus?.[1]).toEqual({
    Region: 'eu-central-1',
    Status: 'Failed',
    StatusMessage: 'Secret with this name already exists',
  });
  // AND a restarted service reads the replicas back from its snapshot
  await local.stop();
  local = await startLocalSecretsManager({ persistPath: path });
  client.destroy();
  client = new SecretsManagerClient({ endpoint: local.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const reloaded = await client.send(new DescribeSecretCommand({ SecretId: 'replicated' }));
  expect(reloaded.ReplicationStatus?.map((r) => r.Status)).toEqual(['InSync', 'Failed']);
});

it.each([
  ['its own region', [{ Region: 'us-east-1' }], /can't be replicated to its own region \(us-east-1\)/],
  ['a region twice', [{ Region: 'eu-west-1' }, { Region: 'eu-west-1' }], /eu-west-1 is listed more than once/],
  ['a region that is no region name', [{ Region: 'Mars' }], /must be a region name/],
])('refuses a replica in %s, creating nothing', async (_case, regions, message) => {
  const name = `refused-${regions.length}-${regions[0]?.Region ?? ''}`;
  await expect(
    client.send(new CreateSecretCommand({ Name: name, SecretString: 'v', AddReplicaRegions: regions })),
  ).rejects.toThrow(message);
  await expect(client.send(new DescribeSecretCommand({ SecretId: name }))).rejects.toThrow(/can't find/);
});

it('refuses to set the status of a replica the secret does not have', async () => {
  await client.send(new CreateSecretCommand({ Name: 'single', SecretString: 'v' }));
  expect(() => {
    local.setReplicaStatus('single', 'eu-west-1', 'Failed');
  }).toThrow('has no replica in eu-west-1');
});

describe('replicas in other regions, with a replication lag on an injected clock', () => {
  const LAG_MS = 5_000;
  let clock = new Date('2026-03-02T10:00:00Z');
  let lagged: LocalSecretsManager;
  const clients = new Map<string, SecretsManagerClient>();
  /** A client configured for `region`, as an application there would have it (the SDK signs for that region). */
  const inRegion = (region: string): SecretsManagerClient => {
    let regional = clients.get(region);
    if (!regional) {
      regional = new SecretsManagerClient({ endpoint: lagged.endpoint, region, credentials, maxAttempts: 1 });
      clients.set(region, regional);
    }
    return regional;
  };
  const primary = () => inRegion('us-east-1');
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const statuses = async (secretId: string) =>
    (await primary().send(new DescribeSecretCommand({ SecretId: secretId }))).ReplicationStatus?.map((r) => [
      r.Region,
      r.Status,
    ]);

  beforeAll(async () => {
    lagged = await startLocalSecretsManager({
      now: () => clock,
      replicationLagMs: { defaultMs: LAG_MS, perRegionMs: { 'eu-west-1': 0 } },
    });
  });
  afterAll(async () => {
    for (const regional of clients.values()) regional.destroy();
    await lagged.stop();
  });

  it('copies values and labels to each replica after its region lag, InProgress until then', async () => {
    // GIVEN a secret replicated to a region without lag and one with 5 s
    const created = await primary().send(
      new CreateSecretCommand({
        Name: 'app/db',
        SecretString: 'first',
        AddReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'ap-south-1' }],
      }),
    );
    expect(created.ReplicationStatus?.map((r) => r.Status)).toEqual(['InSync', 'InProgress']);
    // The lagging region has no replica yet: the secret is not there.
    await expect(primary().send(new GetSecretValueCommand({ SecretId: 'app/db' }))).resolves.toBeDefined();
    await expect(inRegion('ap-south-1').send(new GetSecretValueCommand({ SecretId: 'app/db' }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    advance(LAG_MS);
    expect(await statuses('app/db')).toEqual([
      ['eu-west-1', 'InSync'],
      ['ap-south-1', 'InSync'],
    ]);

    // WHEN a rotation-like change stores a pending version and moves AWSCURRENT to it
    const pending = await primary().send(
      new PutSecretValueCommand({ SecretId: 'app/db', SecretString: 'second', VersionStages: ['AWSPENDING'] }),
    );
    advance(1_000);
    const described = await primary().send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    const currentId = Object.entries(described.VersionIdsToStages ?? {}).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
    await primary().send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'app/db',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId,
        RemoveFromVersionId: currentId,
      }),
    );

    // THEN the lagging replica still serves the old AWSCURRENT, and reports InProgress
    expect(await statuses('app/db')).toEqual([
      ['eu-west-1', 'InSync'],
      ['ap-south-1', 'InProgress'],
    ]);
    const stale = await inRegion('ap-south-1').send(
      new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'AWSCURRENT' }),
    );
    expect(stale.VersionId).toBe(currentId);
    // AND the replica without lag already has the new AWSCURRENT, under its own region's ARN
    const fresh = await inRegion('eu-west-1').send(
      new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'AWSCURRENT' }),
    );
    expect(fresh.VersionId).toBe(pending.VersionId);
    expect(fresh.SecretString).toBe('second');
    expect(fresh.ARN).toBe(created.ARN?.replace(':us-east-1:', ':eu-west-1:'));

    // WHEN the first change's lag has passed, but not the second's
    advance(LAG_MS - 1_000);
    const halfway = await inRegion('ap-south-1').send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect(halfway.VersionIdsToStages?.[pending.VersionId ?? '']).toEqual(['AWSPENDING']);
    expect(await statuses('app/db')).toEqual([
      ['eu-west-1', 'InSync'],
      ['ap-south-1', 'InProgress'],
    ]);
    // THEN once the last change's lag has passed, the replica holds the primary's labels and reports InSync
    advance(1_000);
    expect(await statuses('app/db')).toEqual([
      ['eu-west-1', 'InSync'],
      ['ap-south-1', 'InSync'],
    ]);
    const replica = await inRegion('ap-south-1').send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect([...(replica.VersionIdsToStages?.[pending.VersionId ?? ''] ?? [])].sort()).toEqual([
      'AWSCURRENT',
      'AWSPENDING',
    ]);
    expect(replica.PrimaryRegion).toBe('us-east-1');
    expect(replica.ARN).toBe(created.ARN?.replace(':us-east-1:', ':ap-south-1:'));
    // AND a read in the replica's region shows in the primary's ReplicationStatus
    const afterRead = await primary().send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect(afterRead.ReplicationStatus?.[1]?.LastAccessedDate).toBeInstanceOf(Date);
    expect(afterRead.PrimaryRegion).toBe('us-east-1');
  });

  it('refuses every change to a replica, as AWS does, and changes nothing', async () => {
    await primary().send(
      new CreateSecretCommand({
        Name: 'app/read-only',
        SecretString: 'v',
        AddReplicaRegions: [{ Region: 'eu-west-1' }],
      }),
    );
    const replica = inRegion('eu-west-1');
    const refused = "Operation not permitted on a replica secret. Call must be made in primary secret's region.";
    const refusal = { name: 'InvalidParameterException', message: refused };
    await expect(
      replica.send(new PutSecretValueCommand({ SecretId: 'app/read-only', SecretString: 'changed' })),
    ).rejects.toMatchObject(refusal);
    await expect(
      replica.send(new TagResourceCommand({ SecretId: 'app/read-only', Tags: [{ Key: 'k', Value: 'v' }] })),
    ).rejects.toMatchObject(refusal);
    await expect(
      replica.send(new DeleteSecretCommand({ SecretId: 'app/read-only', ForceDeleteWithoutRecovery: true })),
    ).rejects.toMatchObject(refusal);
    await expect(
      replica.send(
        new RotateSecretCommand({
          SecretId: 'app/read-only',
          RotationLambdaARN: 'arn:aws:lambda:eu-west-1:1:function:f',
        }),
      ),
    ).rejects.toMatchObject(refusal);
    const value = await replica.send(new GetSecretValueCommand({ SecretId: 'app/read-only' }));
    expect(value.SecretString).toBe('v');
  });

  it('deletes a primary only once its replicas are removed; removing one deletes it at once', async () => {
    const created = await primary().send(
      new CreateSecretCommand({ Name: 'app/doomed', SecretString: 'v', AddReplicaRegions: [{ Region: 'eu-west-1' }] }),
    );
    await expect(
      primary().send(new DeleteSecretCommand({ SecretId: 'app/doomed', ForceDeleteWithoutRecovery: true })),
    ).rejects.toThrow(`You can't delete secret ${created.ARN} that still has replica regions [eu-west-1].`);

    const removed = await primary().send(
      new RemoveRegionsFromReplicationCommand({ SecretId: 'app/doomed', RemoveReplicaRegions: ['eu-west-1'] }),
    );
    expect(removed.ReplicationStatus).toEqual([]);
    await expect(inRegion('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'app/doomed' }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    await primary().send(new DeleteSecretCommand({ SecretId: 'app/doomed', ForceDeleteWithoutRecovery: true }));
  });

  it('replicates an existing secret; a name taken in the region fails the replica unless overwriting', async () => {
    await inRegion('eu-west-1').send(new CreateSecretCommand({ Name: 'app/taken', SecretString: 'theirs' }));
    await primary().send(new CreateSecretCommand({ Name: 'app/taken', SecretString: 'ours' }));
    const replicated = await primary().send(
      new ReplicateSecretToRegionsCommand({ SecretId: 'app/taken', AddReplicaRegions: [{ Region: 'eu-west-1' }] }),
    );
    expect(replicated.ReplicationStatus).toEqual([
      { Region: 'eu-west-1', Status: 'Failed', StatusMessage: 'Secret with this name already exists in this region' },
    ]);
    expect((await inRegion('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'app/taken' }))).SecretString).toBe(
      'theirs',
    );

    await primary().send(
      new RemoveRegionsFromReplicationCommand({ SecretId: 'app/taken', RemoveReplicaRegions: ['eu-west-1'] }),
    );
    const forced = await primary().send(
      new ReplicateSecretToRegionsCommand({
        SecretId: 'app/taken',
        AddReplicaRegions: [{ Region: 'eu-west-1' }],
        ForceOverwriteReplicaSecret: true,
      }),
    );
    expect(forced.ReplicationStatus?.map((r) => r.Status)).toEqual(['InSync']);
    expect((await inRegion('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'app/taken' }))).SecretString).toBe(
      'ours',
    );
  });

  it('holds a Failed replica at its old copy until it is set InSync again (control API), then catches up', async () => {
    const created = await primary().send(
      new CreateSecretCommand({ Name: 'app/held', SecretString: 'one', AddReplicaRegions: [{ Region: 'eu-west-1' }] }),
    );
    const control = async (path: string, body: unknown) => {
      const answer = await fetch(`${lagged.endpoint}/_keyturn/${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(answer.status).toBe(200);
    };
    await control('replica-status', {
      secretId: created.ARN,
      region: 'eu-west-1',
      status: 'Failed',
      statusMessage: 'Access denied to the KMS key in eu-west-1',
    });
    await primary().send(new PutSecretValueCommand({ SecretId: 'app/held', SecretString: 'two' }));
    advance(LAG_MS * 10);
    expect((await inRegion('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'app/held' }))).SecretString).toBe(
      'one',
    );
    expect(await statuses('app/held')).toEqual([['eu-west-1', 'Failed']]);

    // The lag knob over HTTP: eu-west-1 now lags 2 s.
    await control('replication-lag', { lagMs: 2_000, region: 'eu-west-1' });
    await control('replica-status', { secretId: created.ARN, region: 'eu-west-1', status: 'InSync' });
    expect(await statuses('app/held')).toEqual([['eu-west-1', 'InProgress']]);
    advance(2_000);
    expect(await statuses('app/held')).toEqual([['eu-west-1', 'InSync']]);
    expect((await inRegion('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'app/held' }))).SecretString).toBe(
      'two',
    );
    lagged.setReplicationLag(0, 'eu-west-1');
  });

  it('StopReplicationToReplica makes the replica a standalone secret of its region', async () => {
    await primary().send(
      new CreateSecretCommand({
        Name: 'app/promoted',
        SecretString: 'v',
        AddReplicaRegions: [{ Region: 'eu-west-1' }],
      }),
    );
    await inRegion('eu-west-1').send(new StopReplicationToReplicaCommand({ SecretId: 'app/promoted' }));
    expect(await statuses('app/promoted')).toBeUndefined();
    await inRegion('eu-west-1').send(new PutSecretValueCommand({ SecretId: 'app/promoted', SecretString: 'own' }));
    expect(
      (await inRegion('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'app/promoted' }))).SecretString,
    ).toBe('own');
  });
});
