import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { throttlingRetryStrategy } from '../../../functions/shared/throttling-retry';

/** A loopback endpoint that throttles the first `throttles` requests, then answers. */
async function throttlingEndpoint(
  throttles: number,
): Promise<{ server: Server; endpoint: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      calls += 1;
      const throttled = calls <= throttles;
      response.writeHead(throttled ? 400 : 200, {
        'content-type': 'application/x-amz-json-1.1',
        ...(throttled ? { 'x-amzn-errortype': 'ThrottlingException' } : {}),
      });
      response.end(
        JSON.stringify(
          throttled ? { __type: 'ThrottlingException', message: 'Rate exceeded' } : { ARN: 'arn', VersionId: 'v' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls };
}

const client = (endpoint: string, maxAttempts: number, maxTotalDelayMs = 10_000) =>
  new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    retryStrategy: throttlingRetryStrategy({ maxAttempts, baseDelayMs: 10, maxDelayMs: 50, maxTotalDelayMs }),
  });

it('retries throttling soon and often: 6 throttles in a row, then the call succeeds', async () => {
  const { server, endpoint, calls } = await throttlingEndpoint(6);
  const sm = client(endpoint, 10);
  try {
    const started = Date.now();
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v' }))).resolves.toMatchObject({
      VersionId: 'v',
    });
    expect(calls()).toBe(7);
    expect(Date.now() - started).toBeLessThan(1000);
  } finally {
    sm.destroy();
    server.close();
  }
});

it('gives up after maxAttempts with the throttling error', async () => {
  const { server, endpoint, calls } = await throttlingEndpoint(100);
  const sm = client(endpoint, 4);
  try {
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(calls()).toBe(4);
  } finally {
    sm.destroy();
    server.close();
  }
});

it('gives up once the waits add up to maxTotalDelayMs, however many attempts remain', async () => {
  const { server, endpoint, calls } = await throttlingEndpoint(1000);
  const sm = client(endpoint, 1000, 300);
  try {
    const started = Date.now();
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    // Waits of at most 50 ms each until 300 ms of waiting: at least 7 attempts, and not much more than 300 ms.
    expect(calls()).toBeGreaterThanOrEqual(7);
    expect(Date.now() - started).toBeLessThan(2000);
  } finally {
    sm.destroy();
    server.close();
  }
});

it('never retries a client error', async () => {
  let calls = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      calls += 1;
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sm = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 10);
  try {
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 's' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect(calls).toBe(1);
  } finally {
    sm.destroy();
    server.close();
  }
});
