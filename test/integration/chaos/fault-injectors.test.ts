import { createServer, connect, type Server, type Socket } from 'node:net';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { startLocalIam, type LocalIam } from '../../../local/iam';
import { startLocalKms, type LocalKms } from '../../../local/kms';
import {
  startLocalSecretsManager,
  type LocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';
import { RequestTap, type TapDecision } from '../../chaos/request-tap';
import { TcpProxy } from '../../chaos/tcp-proxy';

/**
 * The chaos suite's fault injectors on real sockets: the TCP proxy in front of a server (refused
 * connections, a connection cut after a packet and before the reply, delays), and the taps in front
 * of Secrets Manager, IAM and KMS that can drop a request before it is applied, or drop the answer
 * after it was.
 */

/** A server that answers each packet with "ack:<packet>" and counts what it received. */
async function startEchoServer(): Promise<{ server: Server; port: number; received: string[] }> {
  const received: string[] = [];
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk.toString());
      socket.write(`ack:${chunk.toString()}`);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, received };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Sends a packet and resolves with the reply, or with 'closed' if the connection ends first. */
function exchange(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => {
      resolve(chunk.toString());
    });
    socket.once('close', () => {
      resolve('closed');
    });
    socket.once('error', () => undefined);
    socket.write(text);
  });
}

describe('the TCP proxy', () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = await startEchoServer();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: echo.port });
  });
  afterEach(async () => {
    await proxy.stop();
    await new Promise((resolve) => echo.server.close(resolve));
  });

  it('passes packets both ways and counts the client packets', async () => {
    const socket = await open(proxy.port);
    expect(await exchange(socket, 'one')).toBe('ack:one');
    expect(await exchange(socket, 'two')).toBe('ack:two');
    expect(proxy.packets).toBe(2);
    socket.destroy();
  });

  it('refuses connections during an outage, cuts the open ones, and listens on the same port again after', async () => {
    const socket = await open(proxy.port);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    proxy.refuse();
    await closed;
    await expect(open(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.restore();
    const again = await open(proxy.port);
    expect(await exchange(again, 'back')).toBe('ack:back');
    again.destroy();
  });

  it('cuts the connection after forwarding a chosen packet: the server gets it, the client never sees the reply', async () => {
    proxy.onPacket = (packet) => (packet === 2 ? 'cut' : 'continue');
    const socket = await open(proxy.port);
    expect(await exchange(socket, 'first')).toBe('ack:first');
    expect(await exchange(socket, 'second')).toBe('closed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(echo.received).toEqual(['first', 'second']);
  });

  it("delivers a server's last packet before its close, even when delayed (a refused login says so)", async () => {
    const closing = createServer((socket) => {
      socket.on('data', () => {
        socket.end('denied');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    const address = closing.address();
    const closer = await TcpProxy.start({
      host: '127.0.0.1',
      port: typeof address === 'object' && address ? address.port : 0,
    });
    closer.delayMs = 20;
    try {
      const socket = await open(closer.port);
      expect(await exchange(socket, 'login')).toBe('denied');
    } finally {
      await closer.stop();
      await new Promise((resolve) => closing.close(resolve));
    }
  });

  it('delays packets when asked', async () => {
    proxy.delayMs = 50;
    const socket = await open(proxy.port);
    const started = Date.now();
    expect(await exchange(socket, 'slow')).toBe('ack:slow');
    // Both directions waited (a lower bound only: nothing here depends on the machine being fast).
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    socket.destroy();
  });
});

describe('the Secrets Manager tap', () => {
  let manager: LocalSecretsManager;
  let tap: RequestTap;
  let client: SecretsManagerClient;
  let decide: (operation: string) => TapDecision | undefined;

  beforeAll(async () => {
    manager = await startLocalSecretsManager();
    tap = await RequestTap.start(manager.endpoint, ({ operation }) => decide(operation));
    client = new SecretsManagerClient({
      endpoint: tap.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await tap.stop();
    await manager.stop();
  });

  it('passes requests on to Secrets Manager unchanged', async () => {
    decide = () => undefined;
    const created = await client.send(new CreateSecretCommand({ Name: 'tap/pass', SecretString: 'v1' }));
    expect(created.Name).toBe('tap/pass');
  });

  it('drops a request before it is applied: nothing changes, the caller sees the connection cut', async () => {
    decide = () => undefined;
    await client.send(new CreateSecretCommand({ Name: 'tap/before', SecretString: 'v1' }));
    decide = (operation) => (operation === 'PutSecretValue' ? { before: () => Promise.resolve('drop') } : undefined);
    await expect(
      client.send(new PutSecretValueCommand({ SecretId: 'tap/before', SecretString: 'v2' })),
    ).rejects.toThrow();
    decide = () => undefined;
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'tap/before' }));
    expect(Object.keys(described.VersionIdsToStages ?? {})).toHaveLength(1);
  });

  it('drops the answer after the request was applied: the change is made, the caller never hears of it', async () => {
    decide = () => undefined;
    await client.send(new CreateSecretCommand({ Name: 'tap/after', SecretString: 'v1' }));
    decide = (operation) => (operation === 'PutSecretValue' ? { after: () => Promise.resolve('drop') } : undefined);
    await expect(
      client.send(new PutSecretValueCommand({ SecretId: 'tap/after', SecretString: 'v2' })),
    ).rejects.toThrow();
    decide = () => undefined;
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'tap/after' }));
    expect(Object.keys(described.VersionIdsToStages ?? {})).toHaveLength(2);
  });
});

describe('the tap in front of the local IAM (issued-key kinds)', () => {
  let iam: LocalIam;
  let tap: RequestTap;
  let client: IAMClient;
  const seen: string[] = [];
  let decide: (operation: string) => TapDecision | undefined = () => undefined;

  beforeAll(async () => {
    iam = await startLocalIam();
    iam.createUser('tapped');
    tap = await RequestTap.start(
      iam.iamEndpoint,
      ({ operation }) => {
        seen.push(operation);
        return decide(operation);
      },
      { preserveHost: true },
    );
    client = new IAMClient({
      endpoint: tap.endpoint,
      region: iam.region,
      credentials: iam.adminCredentials,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await tap.stop();
    await iam.stop();
  });

  it('passes a signed request on with its Host header, so the local IAM verifies the signature, and names the Action', async () => {
    decide = () => undefined;
    const listed = await client.send(new ListAccessKeysCommand({ UserName: 'tapped' }));
    expect(listed.AccessKeyMetadata).toEqual([]);
    expect(seen).toContain('ListAccessKeys');
  });

  it('drops the answer of a CreateAccessKey IAM applied: a key exists that the caller never saw (the orphan case)', async () => {
    decide = (operation) => (operation === 'CreateAccessKey' ? { after: () => Promise.resolve('drop') } : undefined);
    await expect(client.send(new CreateAccessKeyCommand({ UserName: 'tapped' }))).rejects.toThrow();
    decide = () => undefined;
    expect(iam.accessKeys({ userName: 'tapped' })).toHaveLength(1);
    expect(iam.issuedSecretAccessKeys({ userName: 'tapped' })).toHaveLength(1);
  });
});

describe('the tap in front of the local KMS (the kms-key kind)', () => {
  let kms: LocalKms;
  let tap: RequestTap;
  let client: KMSClient;
  const seen: string[] = [];
  let decide: (operation: string) => TapDecision | undefined = () => undefined;

  beforeAll(async () => {
    kms = await startLocalKms();
    tap = await RequestTap.start(kms.endpoint, ({ operation }) => {
      seen.push(operation);
      return decide(operation);
    });
    client = new KMSClient({ endpoint: tap.endpoint, region: kms.region, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await tap.stop();
    await kms.stop();
  });

  it('names the operation without its service prefix (TrentService.ListKeys: ListKeys)', async () => {
    decide = () => undefined;
    await client.send(new ListKeysCommand({}));
    expect(seen).toContain('ListKeys');
  });

  it('drops the answer of a CreateKey KMS applied: a key exists that the caller never saw', async () => {
    decide = (operation) => (operation === 'CreateKey' ? { after: () => Promise.resolve('drop') } : undefined);
    await expect(client.send(new CreateKeyCommand({}))).rejects.toThrow();
    expect(kms.keys()).toHaveLength(1);
  });

  it("fails one call with the local KMS's own fault knob, armed as the request passes", async () => {
    decide = (operation) =>
      operation === 'ListKeys'
        ? {
            before: () => {
              kms.faults.failNext('ListKeys', 'ThrottlingException', 1);
              return Promise.resolve('pass');
            },
          }
        : undefined;
    await expect(client.send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
    decide = () => undefined;
    expect((await client.send(new ListKeysCommand({}))).Keys).toHaveLength(1);
  });
});
