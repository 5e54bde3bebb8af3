import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSnapshot, writeSnapshot } from '../../../local/secretsmanager/persistence';
import { describeSecretResponse, secretListEntry } from '../../../local/secretsmanager/responses';
import { SecretsManagerState } from '../../../local/secretsmanager/state';

/** The local Secrets Manager's secrets owned by another service, as RDS creates its `rds!...` master secrets. */

const location = { region: 'us-east-1', accountId: '123456789012' };
const VALUE = JSON.stringify({ username: 'postgres', password: 'Owned-pw-1' });
const PRIMARY = { Key: 'aws:rds:primaryDBInstanceArn', Value: 'arn:aws:rds:us-east-1:123456789012:db:orders' };
let state: SecretsManagerState;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

beforeEach(() => {
  state = new SecretsManagerState({ location });
});

describe('local Secrets Manager: service-owned secrets', () => {
  it('are named rds!db-<uuid>, keep their aws: tags, add the owning-service tag, and have managed rotation on', () => {
    const secret = state.createServiceOwnedSecret({ owningService: 'rds', value: VALUE, tags: [PRIMARY] });
    expect(secret.name).toMatch(/^rds!db-[0-9a-f-]{36}$/);
    expect(describeSecretResponse(secret)).toMatchObject({
      OwningService: 'rds',
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 7 },
      Tags: [PRIMARY, { Key: 'aws:secretsmanager:owningService', Value: 'rds' }],
    });
    expect(describeSecretResponse(secret)).not.toHaveProperty('RotationLambdaARN');
    expect(secretListEntry(secret)).toMatchObject({ OwningService: 'rds' });
    expect(state.getSecretValue(secret.arn, { versionStage: 'AWSCURRENT' }).version.value).toEqual({
      kind: 'string',
      text: VALUE,
    });
  });

  it('leave OwningService out for secrets users create', () => {
    const { secret } = state.createSecret({ name: 'db/app', value: { kind: 'string', text: '{}' } });
    expect(describeSecretResponse(secret)).not.toHaveProperty('OwningService');
  });

  it("must carry the service's prefix, and cannot take an existing name", () => {
    expect(
      thrown(() => state.createServiceOwnedSecret({ owningService: 'rds', name: 'db/app', value: VALUE })),
    ).toMatchObject({
      name: 'InvalidParameterException',
    });
    state.createServiceOwnedSecret({ owningService: 'rds', name: 'rds!db-1', value: VALUE });
    expect(
      thrown(() => state.createServiceOwnedSecret({ owningService: 'rds', name: 'rds!db-1', value: VALUE })),
    ).toMatchObject({
      name: 'ResourceExistsException',
    });
  });

  it('refuse RotateSecret with a Lambda function, and leave no AWSPENDING version behind', () => {
    const secret = state.createServiceOwnedSecret({ owningService: 'rds', value: VALUE, tags: [PRIMARY] });
    const error = thrown(() =>
      state.beginRotation(secret.arn, {
        clientRequestToken: '11111111-2222-3333-4444-555555555555',
        rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-rotate-secret',
      }),
    );
    expect(error).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringContaining('managed by rds') as string,
    });
    expect(state.describe(secret.arn).versions).toHaveLength(1);
    expect(state.describe(secret.arn).rotationLambdaArn).toBeUndefined();
  });

  it('survive a persisted snapshot with their owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyturn-owned-'));
    try {
      const secret = state.createServiceOwnedSecret({ owningService: 'rds', value: VALUE, tags: [PRIMARY] });
      const path = join(dir, 'snapshot.json');
      writeSnapshot(path, location, state.exportSecrets());
      const restored = new SecretsManagerState({ location });
      restored.importSecrets(loadSnapshot(path, location) ?? []);
      expect(describeSecretResponse(restored.describe(secret.arn))).toMatchObject({ OwningService: 'rds' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
