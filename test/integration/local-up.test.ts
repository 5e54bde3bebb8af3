import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `npm run local` as an operator runs it: a child process that prints one JSON line once ready, serves the
 * real SDK (Step Functions, CloudFormation, Secrets Manager) until SIGTERM, and then exits 0 with every port
 * closed. Runs keyturn's real lifecycle and fleet state machines through the Step Functions API.
 */

interface Ready {
  readonly ready: true;
  readonly region: string;
  readonly endpoints: Record<string, string>;
  readonly environment: Record<string, string>;
  readonly stateMachines: Record<string, string>;
  readonly demoSecrets: { name: string; arn: string; strategy: string; ready: boolean }[];
  readonly databases: Record<string, string>;
}

let child: ChildProcess;
let exited: Promise<number | null>;
let ready: Ready;
let sfn: SFNClient;
let secrets: SecretsManagerClient;

function clientConfig(envVar: string) {
  return {
    endpoint: ready.environment[envVar],
    region: ready.region,
    credentials: {
      accessKeyId: ready.environment.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: ready.environment.AWS_SECRET_ACCESS_KEY ?? '',
    },
  };
}

beforeAll(async () => {
  // As an operator starts it: through npm, which hands SIGTERM on to the server process it runs.
  child = spawn('npm', ['run', '--silent', 'local', '--', '--json', '--max-wait-seconds', '0.2'], {
    cwd: join(__dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  exited = new Promise((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  ready = await new Promise<Ready>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as Ready);
    });
    void exited.then((code) => {
      reject(new Error(`npm run local exited (${String(code)}) before it was ready: ${stderr}`));
    });
  });
  sfn = new SFNClient(clientConfig('AWS_ENDPOINT_URL_SFN'));
  secrets = new SecretsManagerClient(clientConfig('AWS_ENDPOINT_URL_SECRETS_MANAGER'));
});

afterAll(() => {
  sfn.destroy();
  secrets.destroy();
  if (child.exitCode === null) child.kill('SIGKILL');
});

async function finished(executionArn: string): Promise<string> {
  for (;;) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return status ?? '';
    await sleep(100);
  }
}

const randomSecret = () => {
  const secret = ready.demoSecrets.find((s) => s.strategy === 'random');
  if (!secret) throw new Error('no random demo secret');
  return secret;
};

test('serves keyturn state machines, the Keyturn stack outputs that name them, and the demo secrets', async () => {
  const machines = await sfn.send(new ListStateMachinesCommand({}));
  expect(machines.stateMachines?.map((m) => m.name).sort()).toEqual([
    'keyturn-emergency',
    'keyturn-fleet',
    'keyturn-kms-key',
    'keyturn-lifecycle',
  ]);

  const cloudFormation = new CloudFormationClient(clientConfig('AWS_ENDPOINT_URL_CLOUDFORMATION'));
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'Keyturn' }));
    const outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((o): [string, string | undefined] => [o.OutputKey ?? '', o.OutputValue]),
    );
    expect(outputs).toEqual({
      LifecycleStateMachineArn: ready.stateMachines['keyturn-lifecycle'],
      EmergencyStateMachineArn: ready.stateMachines['keyturn-emergency'],
      FleetStateMachineArn: ready.stateMachines['keyturn-fleet'],
      KmsKeyStateMachineArn: ready.stateMachines['keyturn-kms-key'],
      AuditLogGroupName: '/keyturn/Keyturn/rotation-audit',
    });
    await expect(cloudFormation.send(new DescribeStacksCommand({ StackName: 'Other' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id Other does not exist',
    });
  } finally {
    cloudFormation.destroy();
  }

  const listed = (await secrets.send(new ListSecretsCommand({}))).SecretList ?? [];
  for (const demo of ready.demoSecrets) {
    expect(demo.ready).toBe(true);
    const secret = listed.find((s) => s.Name === demo.name);
    expect(secret?.RotationEnabled).toBe(true);
    expect(secret?.Tags).toContainEqual({ Key: 'keyturn:managed', Value: 'true' });
  }
  expect(ready.demoSecrets.map((s) => s.strategy)).toEqual(expect.arrayContaining(['random', 'postgres-single-user']));
});

test('a lifecycle rotation started through the API runs to SUCCEEDED and rotates the demo secret', async () => {
  const secret = randomSecret();
  const before = await secrets.send(new GetSecretValueCommand({ SecretId: secret.arn }));
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: ready.stateMachines['keyturn-lifecycle'],
      input: JSON.stringify({ secretArn: secret.arn, trigger: 'on-demand' }),
    }),
  );
  expect(await finished(executionArn as string)).toBe('SUCCEEDED');
  const after = await secrets.send(new GetSecretValueCommand({ SecretId: secret.arn }));
  expect(after.VersionId).not.toBe(before.VersionId);

  const history = JSON.stringify(await sfn.send(new GetExecutionHistoryCommand({ executionArn })));
  expect(history).toContain('"name":"Revoke"');
  for (const value of [before.SecretString, after.SecretString]) expect(history).not.toContain(value);
});

test('a fleet run starts lifecycle executions that are listed under the lifecycle state machine', async () => {
  const secret = randomSecret();
  const lifecycleArn = ready.stateMachines['keyturn-lifecycle'];
  const before = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: lifecycleArn }))).executions ?? [];
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: ready.stateMachines['keyturn-fleet'],
      input: JSON.stringify({ selection: { secretArns: [secret.arn] } }),
    }),
  );
  expect(await finished(executionArn as string)).toBe('SUCCEEDED');
  const after = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: lifecycleArn }))).executions ?? [];
  expect(after).toHaveLength(before.length + 1);
  expect(after[0]?.status).toBe('SUCCEEDED');
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: secret.arn }));
  expect(described.LastRotatedDate).toBeInstanceOf(Date);
});

/** Whether something accepts TCP connections at `host:port`. */
function listening(address: string): Promise<boolean> {
  const { hostname, port } = new URL(address.includes('://') ? address : `tcp://${address}`);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

test('SIGTERM stops everything: exit code 0, no port left open', async () => {
  const addresses = [...Object.values(ready.endpoints), ...Object.values(ready.databases)];
  expect(await listening(ready.environment.AWS_ENDPOINT_URL_SFN ?? '')).toBe(true);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  for (const address of addresses) expect([address, await listening(address)]).toEqual([address, false]);
});

test('a --databases value that names no database is a usage error: exit 2, the value named, nothing started', async () => {
  const run = spawn('npm', ['run', '--silent', 'local', '--', '--databases', 'postgres,mysql'], {
    cwd: join(__dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
  expect(code).toBe(2);
  expect(stderr).toContain('--databases takes postgres, mariadb, redis or none, comma-separated (got "mysql")');
});
