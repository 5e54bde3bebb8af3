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
 * The Secrets Manager endpoint one function process is given: it passes every request on to the
 * local Secrets Manager unchanged, and lets the harness act on the n-th one: kill the process
 * before the request is passed on (nothing applied), or after Secrets Manager answered but before
 * the answer reaches the function (applied, answer lost), or start something else right then.
 */

export interface TappedRequest {
  /** The AWS operation, from X-Amz-Target (`PutSecretValue`...). */
  readonly operation: string;
}

export interface TapDecision {
  /** Runs before the request is passed on; `drop` then answers nothing (the connection is cut). */
  readonly before?: () => Promise<'drop' | 'pass'>;
  /** Runs after Secrets Manager answered; `drop` then withholds the answer (the connection is cut). */
  readonly after?: () => Promise<'drop' | 'pass'>;
}

export type TapHandler = (request: TappedRequest) => TapDecision | undefined;

const MAX_BODY_BYTES = 1024 * 1024;

export class SecretsManagerTap {
  private constructor(
    private readonly server: Server,
    /** The URL to give the function as AWS_ENDPOINT_URL_SECRETS_MANAGER. */
    readonly endpoint: string,
  ) {}

  static async start(upstream: string, handler: TapHandler): Promise<SecretsManagerTap> {
    const target = new URL(upstream);
    const server = createServer((incoming, outgoing) => {
      void relay(incoming, outgoing, target, handler).catch(() => {
        incoming.socket.destroy();
      });
    });
    await listenOnLoopback(server, 0);
    return new SecretsManagerTap(server, endpointOf(server));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await closeServer(this.server);
  }
}

async function relay(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  target: URL,
  handler: TapHandler,
): Promise<void> {
  const body = await readRequestBody(incoming, MAX_BODY_BYTES);
  const operation = headerValue(incoming, 'x-amz-target')?.replace(/^secretsmanager\./, '') ?? '';
  const decision = handler({ operation });
  if ((await decision?.before?.()) === 'drop') {
    incoming.socket.destroy();
    return;
  }
  const answer = await forward(incoming, body, target);
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

function forward(incoming: IncomingMessage, body: string, target: URL): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...incoming.headers, host: target.host, 'content-length': String(Buffer.byteLength(body)) };
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
