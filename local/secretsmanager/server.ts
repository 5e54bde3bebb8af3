import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsServiceError } from './errors';
import type { FaultInjector } from './faults';
import { isOperationName, type OperationName } from './operation-names';
import type { OperationHandler } from './operations';
import type { RequestRateLimiter } from './quotas';

/**
 * The HTTP face of the local Secrets Manager: AWS JSON 1.1 on POST / (routed by X-Amz-Target),
 * and, clearly apart under /_keyturn/, a small control surface for tests and tools in other
 * processes. SigV4 signatures are accepted unchecked. Nothing here logs request bodies: they
 * carry secret values.
 */

export const CONTROL_PATH_PREFIX = '/_keyturn/';
const TARGET_PREFIX = 'secretsmanager.';
const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Comfortably above the largest legal request (a 64 KiB value, base64-encoded, plus fields). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface AwsProtocolDependencies {
  readonly handlers: Record<OperationName, OperationHandler>;
  readonly limiter: RequestRateLimiter;
  readonly faults: FaultInjector;
}

export type ControlHandler = (
  request: IncomingMessage,
  body: string,
  url: URL,
) => Promise<ControlResponse> | ControlResponse;

export interface ControlResponse {
  readonly status: number;
  readonly body?: unknown;
}

export function createSecretsManagerServer(aws: AwsProtocolDependencies, control: ControlHandler): Server {
  return createServer((request, response) => {
    void route(request, response, aws, control).catch(() => {
      // Only reachable if writing the response itself failed; the socket is already gone.
      if (!response.headersSent) sendJson(response, 500, { message: 'internal error' });
    });
  });
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  aws: AwsProtocolDependencies,
  control: ControlHandler,
) {
  const url = new URL(request.url ?? '/', 'http://localhost');
  let body: string;
  try {
    body = await readBody(request);
  } catch {
    sendAwsError(response, new AwsServiceError('SerializationException', 'The request body is too large.'));
    return;
  }
  if (url.pathname.startsWith(CONTROL_PATH_PREFIX)) {
    const result = await control(request, body, url);
    sendJson(response, result.status, result.body);
    return;
  }
  if (request.method !== 'POST') {
    sendJson(response, 404, { message: 'Not found: the AWS protocol is served as POST / with X-Amz-Target' });
    return;
  }
  handleAwsRequest(request, response, body, aws);
}

function handleAwsRequest(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
  aws: AwsProtocolDependencies,
): void {
  const target = headerValue(request, 'x-amz-target') ?? '';
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  try {
    if (!isOperationName(operation)) {
      throw new AwsServiceError(
        'UnknownOperationException',
        `The operation ${target || '(none)'} is not supported by the local Secrets Manager.`,
      );
    }
    let input: unknown;
    try {
      input = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      throw new AwsServiceError('SerializationException', 'The request body is not valid JSON.');
    }
    aws.limiter.admit(operation);
    const fault = aws.faults.take(operation);
    if (fault) throw fault;
    const output = aws.handlers[operation](input);
    sendJson(response, 200, output, { 'content-type': AWS_JSON_CONTENT_TYPE });
  } catch (error) {
    sendAwsError(
      response,
      error instanceof AwsServiceError
        ? error
        : new AwsServiceError('InternalServiceError', 'An error occurred on the server side.'),
    );
  }
}

function sendAwsError(response: ServerResponse, error: AwsServiceError): void {
  sendJson(
    response,
    error.httpStatus,
    { __type: error.name, message: error.message },
    { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-errortype': error.name },
  );
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    ...headers,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}
