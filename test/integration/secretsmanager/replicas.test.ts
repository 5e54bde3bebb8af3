import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type LocalSecretsManager,
  startLocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';

/**
 * Replicas in the local Secrets Manager: CreateSecret's AddReplicaRegions is recorded and reported in
 * ReplicationStatus (nothing is copied: the service has one region); a test sets the status AWS would report.
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

it('reports each replica InSync, then the status a test sets, and keeps it across a restart', async () => {
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
