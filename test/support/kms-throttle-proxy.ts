import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../../local/http/listen';

/**
 * A loopback HTTP proxy in front of a KMS endpoint (moto) that answers some ReEncrypt calls itself with
 * KMS's throttling error (HTTP 400, `ThrottlingException`, as AWS KMS sends it), so the real KMSClient
 * meets a real throttle: moto never throttles. Every other request passes through unchanged.
 */
export interface KmsThrottleProxy {
  readonly endpoint: string;
  /** ReEncrypt calls answered with ThrottlingException so far. */
  throttled(): number;
  /** ReEncrypt calls passed through to KMS so far. */
  passed(): number;
  stop(): Promise<void>;
}

/** `throttle(n)` decides for the n-th ReEncrypt call (1-based) whether it is throttled. */
export async function startKmsThrottleProxy(
  upstream: string,
  throttle: (call: number) => boolean,
): Promise<KmsThrottleProxy> {
  const target = new URL(upstream);
  let calls = 0;
  let throttled = 0;
  let passed = 0;
  const server: Server = createServer((incoming, outgoing) => {
    void readBody(incoming).then((body) => {
      const operation = String(incoming.headers['x-amz-target'] ?? '');
      if (operation === 'TrentService.ReEncrypt') {
        calls += 1;
        if (throttle(calls)) {
          throttled += 1;
          outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          outgoing.end(
            JSON.stringify({
              __type: 'ThrottlingException',
              message: 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.',
            }),
          );
          return;
        }
        passed += 1;
      }
      const forwarded = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: target.host },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => {
        outgoing.writeHead(502);
        outgoing.end();
      });
      forwarded.end(body);
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    throttled: () => throttled,
    passed: () => passed,
    stop: () => closeServer(server),
  };
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    incoming.on('error', reject);
  });
}
