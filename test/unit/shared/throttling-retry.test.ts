import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { throttlingRetryStrategy, type RetryStrategyV2 } from '../../../functions/shared/throttling-retry';

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

/** The waits the strategy chose, in order: what it plans, whatever the machine's speed. */
let plannedWaitsMs: number[] = [];
beforeEach(() => {
  plannedWaitsMs = [];
});
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function recordingStrategy(strategy: RetryStrategyV2): RetryStrategyV2 {
  return {
    ...strategy,
    refreshRetryTokenForRetry: async (previous, errorInfo) => {
      const next = await strategy.refreshRetryTokenForRetry(previous, errorInfo);
      plannedWaitsMs.push(next.getRetryDelay());
      return next;
    },
  };
}

const client = (endpoint: string, maxAttempts: number, maxTotalDelayMs = 10_000) =>
  new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    retryStrategy: recordingStrategy(
      throttlingRetryStrategy({ maxAttempts, baseDelayMs: 10, maxDelayMs: 50, maxTotalDelayMs }),
    ),
  });

it('retries throttling soon and often: 6 throttles in a row, then the call succeeds', async () => {
  const { server, endpoint, calls } = await throttlingEndpoint(6);
  const sm = client(endpoint, 10);
  try {
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v' }))).resolves.toMatchObject({
      VersionId: 'v',
    });
    expect(calls()).toBe(7);
    // Full jitter under ceilings of 10, 20, 40, then 50 ms: six waits of at most 220 ms in all.
    expect(plannedWaitsMs).toHaveLength(6);
    plannedWaitsMs.forEach((wait, retry) => {
      expect(wait).toBeLessThanOrEqual(Math.min(50, 10 * 2 ** retry));
    });
    expect(sum(plannedWaitsMs)).toBeLessThanOrEqual(220);
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
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    // Waits of at most 50 ms each until 300 ms of waiting: at least 7 attempts, and the last wait began under 300 ms.
    expect(calls()).toBeGreaterThanOrEqual(7);
    expect(calls()).toBe(plannedWaitsMs.length + 1);
    expect(sum(plannedWaitsMs.slice(0, -1))).toBeLessThan(300);
    expect(sum(plannedWaitsMs)).toBeLessThanOrEqual(300 + 50);
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
