import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { listenOnLoopback, closeServer, endpointOf } from '../../local/http/listen';
import { headerValue, readRequestBody } from '../../local/http/request-body';

/**
 * An endpoint one function process is given in place of a service's (the local Secrets Manager, the
 * local IAM and STS, a provider fake): it passes every request on unchanged, and lets the harness
 * act on the n-th one: kill the process
 * before the request is passed on (nothing applied), or after Secrets Manager answered but before
 * the answer reaches the function (applied, answer lost), or start something else right then.
 * For IAM and STS (awsQuery) the operation is the body's Action and the Host header is passed on as
 * signed, since IAM verifies SigV4; a provider fake's requests are any HTTP.
 */

export interface TappedRequest {
  /** The AWS operation, from X-Amz-Target (`PutSecretValue`, `CreateKey`...) or an awsQuery body's Action; else `METHOD /path`. */
  readonly operation: string;
}

export interface TapOptions {
  /** Pass the Host header on as the caller sent it (it is part of a SigV4 signature the upstream verifies). */
  readonly preserveHost?: boolean;
}

/** Where a request goes: a fixed endpoint, or one chosen per request (undefined: answered 502). */
export type TapUpstream = string | (() => string | undefined);

export interface TapDecision {
  /** Runs before the request is passed on; `drop` then answers nothing (the connection is cut). */
  readonly before?: () => Promise<'drop' | 'pass'>;
  /** Runs after Secrets Manager answered; `drop` then withholds the answer (the connection is cut). */
  readonly after?: () => Promise<'drop' | 'pass'>;
}

export type TapHandler = (request: TappedRequest) => TapDecision | undefined;

const MAX_BODY_BYTES = 1024 * 1024;

export class RequestTap {
  private constructor(
    private readonly server: Server,
    /** The URL to give the function as AWS_ENDPOINT_URL_SECRETS_MANAGER. */
    readonly endpoint: string,
  ) {}

  static async start(upstream: TapUpstream, handler: TapHandler, options: TapOptions = {}): Promise<RequestTap> {
    const server = createServer((incoming, outgoing) => {
      void relay(incoming, outgoing, upstream, handler, options).catch(() => {
        incoming.socket.destroy();
      });
    });
    await listenOnLoopback(server, 0);
    return new RequestTap(server, endpointOf(server));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await closeServer(this.server);
  }
}

async function relay(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  upstream: TapUpstream,
  handler: TapHandler,
  options: TapOptions,
): Promise<void> {
  const body = await readRequestBody(incoming, MAX_BODY_BYTES);
  const base = typeof upstream === 'string' ? upstream : upstream();
  if (base === undefined) {
    outgoing.writeHead(502);
    outgoing.end();
    return;
  }
  const target = new URL(base);
  const decision = handler({ operation: operationOf(incoming, body) });
  if ((await decision?.before?.()) === 'drop') {
    incoming.socket.destroy();
    return;
  }
  const answer = await forward(incoming, body, target, options.preserveHost === true);
  if ((await decision?.after?.()) === 'drop') {
    incoming.socket.destroy();
    return;
  }
  outgoing.writeHead(answer.status, answer.headers);
  outgoing.end(answer.body);
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function operationOf(incoming: IncomingMessage, body: string): string {
  const target = headerValue(incoming, 'x-amz-target');
  // `secretsmanager.PutSecretValue`, `TrentService.CreateKey` (KMS): the operation after the service's prefix.
  if (target !== undefined) return target.replace(/^[\w]+\./, '');
  const contentType = headerValue(incoming, 'content-type') ?? '';
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(body).get('Action');
    if (action) return action;
  }
  return `${incoming.method ?? 'GET'} ${(incoming.url ?? '/').split('?')[0] ?? '/'}`;
}

function forward(incoming: IncomingMessage, body: string, target: URL, preserveHost: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = {
      ...incoming.headers,
      host: preserveHost ? (incoming.headers.host ?? target.host) : target.host,
      'content-length': String(Buffer.byteLength(body)),
    };
    const call = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const answerHeaders: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined && name !== 'connection' && name !== 'keep-alive') answerHeaders[name] = value;
          }
          resolve({ status: response.statusCode ?? 500, headers: answerHeaders, body: Buffer.concat(chunks) });
        });
        response.on('error', reject);
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}
