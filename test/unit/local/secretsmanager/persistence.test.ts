import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSnapshot, SnapshotError, writeSnapshot } from '../../../../local/secretsmanager/persistence';
import { SecretsManagerState } from '../../../../local/secretsmanager/state';

const location = { region: 'us-east-1', accountId: '123456789012' };

describe('snapshot persistence', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'keyturn-sm-snapshot-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('round-trips secrets, versions, labels, dates and binary values', () => {
    const store = new SecretsManagerState({ location, now: () => new Date('2026-03-10T12:00:00Z') });
    store.createSecret({ name: 'text', value: { kind: 'string', text: 'v1' }, tags: [{ Key: 'team', Value: 'core' }] });
    store.createSecret({ name: 'bytes', value: { kind: 'binary', base64: Buffer.from([0, 255]).toString('base64') } });
    store.deleteSecret('bytes', { recoveryWindowInDays: 7 });
    const path = join(directory, 'nested', 'store.json');
    writeSnapshot(path, location, store.exportSecrets());

    const loaded = loadSnapshot(path, location);
    expect(loaded).toEqual(store.exportSecrets());
    expect(loaded?.[1]?.deletionScheduledFor).toEqual(new Date('2026-03-17T12:00:00Z'));
  });

  it('writes a file only its owner can read, via a temporary file that does not stay behind', () => {
    const path = join(directory, 'store.json');
    writeSnapshot(path, location, []);
    writeSnapshot(path, location, []);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(directory)).toEqual(['store.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      format: 'keyturn-local-secretsmanager',
      version: 1,
      secrets: [],
    });
  });

  it('treats a missing file as an empty store and refuses files it cannot trust', () => {
    expect(loadSnapshot(join(directory, 'absent.json'), location)).toBeUndefined();
    const garbage = join(directory, 'garbage.json');
    writeFileSync(garbage, 'not json');
    expect(() => loadSnapshot(garbage, location)).toThrow(SnapshotError);
    const wrongShape = join(directory, 'shape.json');
    writeFileSync(
      wrongShape,
      JSON.stringify({
        format: 'keyturn-local-secretsmanager',
        version: 1,
        region: 'us-east-1',
        accountId: '123456789012',
        secrets: [{}],
      }),
    );
    expect(() => loadSnapshot(wrongShape, location)).toThrow(/secrets\.0/);
  });

  it('refuses a snapshot of another region or account, whose ARNs nothing here could address', () => {
    const path = join(directory, 'store.json');
    writeSnapshot(path, { region: 'eu-west-1', accountId: '123456789012' }, []);
    expect(() => loadSnapshot(path, location)).toThrow(/eu-west-1/);
  });
});
