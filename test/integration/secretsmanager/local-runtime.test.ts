/**
 * What only the local Secrets Manager offers, exercised through the real SDK and raw HTTP:
 * request quotas, fault injection, persistence, the wire format, the /_keyturn/ control
 * surface, the injectable clock and the command-line runner.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  startLocalSecretsManager,
  type LocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };

function clientFor(endpoint: string, maxAttempts = 1): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint, region: 'us-east-1', credentials, maxAttempts });
}

/** A raw AWS JSON 1.1 call, to see exactly what goes over the wire. */
async function rawCall(endpoint: string, target: string, body: string) {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe('local Secrets Manager runtime', () => {
  let manager: LocalSecretsManager;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    // The quota buckets' clock stands still: a bucket allows exactly its burst, however slow the machine.
    manager = await startLocalSecretsManager({ quotaClockMs: () => 0 });
    client = clientFor(manager.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await manager.stop();
  });

  afterEach(() => {
    manager.setQuotas(false);
    manager.faults.clear();
  });

  describe('quotas', () => {
    test('over quota the SDK surfaces ThrottlingException (HTTP 400, "Rate exceeded"); the shared bucket throttles its siblings', async () => {
      const created = await client.send(new CreateSecretCommand({ Name: 'quota/writes', SecretString: 'v1' }));
      manager.setQuotas({ PutSecretValue: 2 });
      await client.send(new PutSecretValueCommand({ SecretId: 'quota/writes', SecretString: 'v2' }));
      await client.send(new PutSecretValueCommand({ SecretId: 'quota/writes', SecretString: 'v3' }));
      const throttled = client.send(new PutSecretValueCommand({ SecretId: 'quota/writes', SecretString: 'v4' }));
      await expect(throttled).rejects.toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      });
      // UpdateSecretVersionStage draws on the same 2/s bucket; reads have their own.
      await expect(
        client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'quota/writes',
            VersionStage: 'BLUE',
            MoveToVersionId: created.VersionId,
          }),
        ),
      ).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'quota/writes' }))).SecretString).toBe('v3');

      manager.setQuotas(false);
      await client.send(new PutSecretValueCommand({ SecretId: 'quota/writes', SecretString: 'v4' }));
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'quota/writes' }))).SecretString).toBe('v4');
    });

    test('can be switched on at start with AWS defaults', async () => {
      const limited = await startLocalSecretsManager({ quotas: { CreateSecret: 1 }, quotaClockMs: () => 0 });
      const limitedClient = clientFor(limited.endpoint);
      try {
        await limitedClient.send(new CreateSecretCommand({ Name: 'quota/a', SecretString: 'x' }));
        await expect(
          limitedClient.send(new CreateSecretCommand({ Name: 'quota/b', SecretString: 'x' })),
        ).rejects.toMatchObject({
          name: 'ThrottlingException',
        });
      } finally {
        limitedClient.destroy();
        await limited.stop();
      }
    });
  });

  describe('fault injection', () => {
    test('fails the next N calls with InternalServiceError (HTTP 500), then answers normally', async () => {
      await client.send(new CreateSecretCommand({ Name: 'faults/read', SecretString: 'v1' }));
      manager.faults.failNext('GetSecretValue', 2);
      for (let i = 0; i < 2; i++) {
        await expect(client.send(new GetSecretValueCommand({ SecretId: 'faults/read' }))).rejects.toMatchObject({
          name: 'InternalServiceError',
          $metadata: { httpStatusCode: 500 },
        });
      }
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'faults/read' }))).SecretString).toBe('v1');
    });

    test("the SDK's own retries ride over injected server faults", async () => {
      const retrying = clientFor(manager.endpoint, 3);
      try {
        manager.faults.failNext('DescribeSecret', 2);
        await client.send(new CreateSecretCommand({ Name: 'faults/retried', SecretString: 'v1' }));
        const out = await retrying.send(new DescribeSecretCommand({ SecretId: 'faults/retried' }));
        expect(out.$metadata.attempts).toBe(3);
      } finally {
        retrying.destroy();
      }
    });

    test('answers with the exception asked for and changes nothing', async () => {
      const created = await client.send(new CreateSecretCommand({ Name: 'faults/write', SecretString: 'v1' }));
      manager.faults.failNext('PutSecretValue', 1, 'LimitExceededException');
      await expect(
        client.send(new PutSecretValueCommand({ SecretId: 'faults/write', SecretString: 'v2' })),
      ).rejects.toMatchObject({
        name: 'LimitExceededException',
        $metadata: { httpStatusCode: 400 },
      });
      const described = await client.send(new DescribeSecretCommand({ SecretId: 'faults/write' }));
      expect(described.VersionIdsToStages).toEqual({ [created.VersionId as string]: ['AWSCURRENT'] });
    });

    test('after applying: the write takes effect and the caller gets HTTP 500; its retry with the same token succeeds', async () => {
      const created = await client.send(new CreateSecretCommand({ Name: 'faults/applied', SecretString: 'v1' }));
      const token = randomUUID();
      manager.faults.failNext('PutSecretValue', 1, undefined, { timing: 'after-applying', secretId: 'faults/applied' });
      const write = () =>
        client.send(
          new PutSecretValueCommand({
            SecretId: created.ARN,
            SecretString: 'v2',
            ClientRequestToken: token,
            VersionStages: ['AWSPENDING'],
          }),
        );
      await expect(write()).rejects.toMatchObject({ name: 'InternalServiceError', $metadata: { httpStatusCode: 500 } });
      const described = await client.send(new DescribeSecretCommand({ SecretId: 'faults/applied' }));
      expect(described.VersionIdsToStages?.[token]).toEqual(['AWSPENDING']);
      expect((await write()).VersionId).toBe(token);
    });

    test('scoped to a secret over HTTP: calls on other secrets are untouched', async () => {
      await client.send(new CreateSecretCommand({ Name: 'faults/scoped', SecretString: 'v1' }));
      await client.send(new CreateSecretCommand({ Name: 'faults/other', SecretString: 'v1' }));
      const planned = await fetch(`${manager.endpoint}/_keyturn/faults`, {
        method: 'POST',
        body: JSON.stringify({
          operation: 'GetSecretValue',
          exceptionName: 'AccessDeniedException',
          secretId: 'faults/scoped',
        }),
      });
      expect(planned.status).toBe(200);
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'faults/other' }))).SecretString).toBe('v1');
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'faults/scoped' }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'faults/scoped' }))).SecretString).toBe('v1');
    });

    test('can be planned and cleared over HTTP from another process', async () => {
      await client.send(new CreateSecretCommand({ Name: 'faults/http', SecretString: 'v1' }));
      const planned = await fetch(`${manager.endpoint}/_keyturn/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation: 'GetSecretValue', count: 3, exceptionName: 'ThrottlingException' }),
      });
      expect(planned.status).toBe(200);
      expect(await planned.json()).toEqual({
        faults: [
          {
            operation: 'GetSecretValue',
            remaining: 3,
            exceptionName: 'ThrottlingException',
            timing: 'before-applying',
          },
        ],
      });
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'faults/http' }))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });

      const cleared = await fetch(`${manager.endpoint}/_keyturn/faults`, { method: 'DELETE' });
      expect(cleared.status).toBe(200);
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'faults/http' }))).SecretString).toBe('v1');

      const wrong = await fetch(`${manager.endpoint}/_keyturn/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation: 'GetSecretValues', count: 1 }),
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toEqual({
        error: expect.stringContaining('unknown Secrets Manager operation') as string,
      });
    });
  });

  describe('wire protocol', () => {
    test('answers unknown targets with UnknownOperationException in the AWS JSON error shape', async () => {
      const response = await rawCall(manager.endpoint, 'secretsmanager.DescribeEverything', '{}');
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
      expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(response.json).toEqual({ __type: 'UnknownOperationException', message: expect.any(String) as string });
      expect((await rawCall(manager.endpoint, '', '{}')).json.__type).toBe('UnknownOperationException');
    });

    test('answers a body that is not JSON with SerializationException', async () => {
      const response = await rawCall(manager.endpoint, 'secretsmanager.ListSecrets', '{not json');
      expect(response.status).toBe(400);
      expect(response.json.__type).toBe('SerializationException');
    });

    test('writes dates as epoch seconds and binary values as base64', async () => {
      const bytes = Buffer.from([1, 2, 3, 254, 255]);
      await rawCall(
        manager.endpoint,
        'secretsmanager.CreateSecret',
        JSON.stringify({ Name: 'wire/binary', SecretBinary: bytes.toString('base64') }),
      );
      const read = await rawCall(
        manager.endpoint,
        'secretsmanager.GetSecretValue',
        JSON.stringify({ SecretId: 'wire/binary' }),
      );
      expect(read.status).toBe(200);
      expect(read.json.SecretBinary).toBe(bytes.toString('base64'));
      expect(typeof read.json.CreatedDate).toBe('number');
      expect(Math.abs((read.json.CreatedDate as number) * 1000 - Date.now())).toBeLessThan(60_000);
    });

    test('validation errors name the parameter and never echo a secret value', async () => {
      const value = `never-echo-${'x'.repeat(70_000)}`;
      await client.send(new CreateSecretCommand({ Name: 'wire/too-big', SecretString: 'v1' }));
      const rejected = await client
        .send(new PutSecretValueCommand({ SecretId: 'wire/too-big', SecretString: value }))
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      expect(rejected).toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining('SecretString') as string,
      });
      expect(rejected?.message).not.toContain('never-echo');

      const token = randomUUID();
      await client.send(
        new PutSecretValueCommand({ SecretId: 'wire/too-big', SecretString: 'first-value', ClientRequestToken: token }),
      );
      const conflict = await client
        .send(
          new PutSecretValueCommand({
            SecretId: 'wire/too-big',
            SecretString: 'second-value',
            ClientRequestToken: token,
          }),
        )
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      expect(conflict?.name).toBe('ResourceExistsException');
      expect(conflict?.message).not.toMatch(/first-value|second-value/);
    });

    test('is not served on other methods or paths', async () => {
      expect((await fetch(`${manager.endpoint}/`)).status).toBe(404);
    });
  });

  describe('control surface under /_keyturn/', () => {
    test('reports health, rotation history, and turns quotas on and off', async () => {
      expect(await (await fetch(`${manager.endpoint}/_keyturn/health`)).json()).toEqual({ status: 'ok' });

      await client.send(new CreateSecretCommand({ Name: 'control/rotated', SecretString: 'v1' }));
      manager.registerRotationFunction('arn:aws:lambda:us-east-1:123456789012:function:noop', () => Promise.resolve());
      const rotated = await client.send(
        new RotateSecretCommand({
          SecretId: 'control/rotated',
          RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:noop',
        }),
      );
      await manager.waitForRotation('control/rotated', rotated.VersionId);
      const history = (await (
        await fetch(`${manager.endpoint}/_keyturn/rotations?secretId=control/rotated`)
      ).json()) as {
        rotations: Record<string, unknown>[];
      };
      expect(history.rotations).toEqual([
        expect.objectContaining({
          secretName: 'control/rotated',
          clientRequestToken: rotated.VersionId,
          outcome: 'succeeded',
          eventName: 'RotationSucceeded',
          startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        }),
      ]);

      const quotasOn = await fetch(`${manager.endpoint}/_keyturn/quotas`, {
        method: 'PUT',
        body: JSON.stringify({ enabled: true, overrides: { DescribeSecret: 1 } }),
      });
      expect(quotasOn.status).toBe(200);
      await client.send(new DescribeSecretCommand({ SecretId: 'control/rotated' }));
      await expect(client.send(new DescribeSecretCommand({ SecretId: 'control/rotated' }))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
      await fetch(`${manager.endpoint}/_keyturn/quotas`, { method: 'PUT', body: JSON.stringify({ enabled: false }) });
      await client.send(new DescribeSecretCommand({ SecretId: 'control/rotated' }));

      expect((await fetch(`${manager.endpoint}/_keyturn/nothing-here`)).status).toBe(404);
    });
  });
});

describe('local Secrets Manager persistence', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'keyturn-sm-persist-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  test('survives a restart: values, versions, labels, tags, deletion schedule and ARNs, in a 0600 file', async () => {
    const path = join(directory, 'secrets.json');
    const first = await startLocalSecretsManager({ persistPath: path });
    const firstClient = clientFor(first.endpoint);
    let arn: string;
    let v1: string;
    let v2: string;
    try {
      const created = await firstClient.send(
        new CreateSecretCommand({
          Name: 'persist/db',
          SecretString: 'v1',
          Tags: [{ Key: 'team', Value: 'core' }],
          Description: 'kept',
        }),
      );
      arn = created.ARN as string;
      v1 = created.VersionId as string;
      v2 = (await firstClient.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2' })))
        .VersionId as string;
      await firstClient.send(
        new CreateSecretCommand({ Name: 'persist/bytes', SecretBinary: new Uint8Array([0, 1, 255]) }),
      );
      await firstClient.send(new CreateSecretCommand({ Name: 'persist/doomed', SecretString: 'x' }));
      await firstClient.send(new DeleteSecretCommand({ SecretId: 'persist/doomed', RecoveryWindowInDays: 7 }));
    } finally {
      firstClient.destroy();
      await first.stop();
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(directory)).toEqual(['secrets.json']);

    const second = await startLocalSecretsManager({ persistPath: path });
    const secondClient = clientFor(second.endpoint);
    try {
      const described = await secondClient.send(new DescribeSecretCommand({ SecretId: 'persist/db' }));
      expect(described).toMatchObject({
        ARN: arn,
        Description: 'kept',
        Tags: [{ Key: 'team', Value: 'core' }],
        VersionIdsToStages: { [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] },
      });
      expect(
        (await secondClient.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' })))
          .SecretString,
      ).toBe('v1');
      const bytes = await secondClient.send(new GetSecretValueCommand({ SecretId: 'persist/bytes' }));
      expect(Buffer.from(bytes.SecretBinary as Uint8Array)).toEqual(Buffer.from([0, 1, 255]));
      expect(
        (await secondClient.send(new DescribeSecretCommand({ SecretId: 'persist/doomed' }))).DeletedDate,
      ).toBeInstanceOf(Date);
      await expect(secondClient.send(new GetSecretValueCommand({ SecretId: 'persist/doomed' }))).rejects.toMatchObject({
        name: 'InvalidRequestException',
      });
    } finally {
      secondClient.destroy();
      await second.stop();
    }
  });

  test('refuses to start on a file that is not a snapshot, and leaves the file alone', async () => {
    const path = join(directory, 'secrets.json');
    writeFileSync(path, '{"something": "else"}');
    await expect(startLocalSecretsManager({ persistPath: path })).rejects.toThrow(/not a valid snapshot/);
    expect(readFileSync(path, 'utf8')).toBe('{"something": "else"}');
  });
});

describe('local Secrets Manager clock', () => {
  test('reports dates from the injected clock and deletes for good when the recovery window has passed', async () => {
    let now = new Date('2030-01-01T00:00:00Z').getTime();
    const manager = await startLocalSecretsManager({ now: () => new Date(now) });
    const client = clientFor(manager.endpoint);
    try {
      await client.send(new CreateSecretCommand({ Name: 'clock/secret', SecretString: 'v1' }));
      const described = await client.send(new DescribeSecretCommand({ SecretId: 'clock/secret' }));
      expect(described.CreatedDate).toEqual(new Date('2030-01-01T00:00:00Z'));
      const deleted = await client.send(new DeleteSecretCommand({ SecretId: 'clock/secret', RecoveryWindowInDays: 7 }));
      expect(deleted.DeletionDate).toEqual(new Date('2030-01-08T00:00:00Z'));
      now += 7 * 86_400_000;
      await expect(client.send(new DescribeSecretCommand({ SecretId: 'clock/secret' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      client.destroy();
      await manager.stop();
    }
  });
});

describe('local Secrets Manager command line', () => {
  test('prints its endpoint, serves the SDK, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'local/secretsmanager/cli.ts', '--port', '0'], {
      cwd: join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        resolve(code);
      }),
    );
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => {
          reject(new Error(`no endpoint printed; output so far: ${output}`));
        }, 120_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      const cliClient = clientFor(endpoint);
      try {
        const created = await cliClient.send(new CreateSecretCommand({ Name: 'cli/secret', SecretString: 'v1' }));
        expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:cli\/secret-/);
      } finally {
        cliClient.destroy();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
