import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsProtocolError } from './aws-error';
import { receivedCall, type ReceivedCall } from './received-call';
import { headerValue, readRequestBody } from './request-body';

/**
 * The HTTP face shared by the AWS JSON 1.1 emulators (Secrets Manager, EventBridge): POST /
 * routed by `X-Amz-Target: <prefix><Operation>`, errors as `{ "__type", "message" }` with the
 * status the SDK expects, and, optionally, a control surface of the emulator's own under a
 * path prefix. SigV4 signatures are accepted unchecked. Nothing here logs request bodies.
 */

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** One emulated service, as the HTTP layer sees it. */
export interface AwsJsonService<Operation extends string> {
  /** `secretsmanager.`, `AWSEvents.`: what precedes the operation name in X-Amz-Target. */
  readonly targetPrefix: string;
  /**
   * Other prefixes the service answers to as well: CloudTrail's API reference shows
   * `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.` where the SDK sends `CloudTrail_20131101.`.
   */
  readonly otherTargetPrefixes?: readonly string[];
  /** For messages: "the local Secrets Manager". */
  readonly displayName: string;
  isOperation(name: string): name is Operation;
  /**
   * Runs one call (a promise lets a call be held back, e.g. an injected delay); service errors are
   * thrown as AwsProtocolError. `call` carries the request id the answer will carry and the caller's
   * non-secret particulars, for services that report their calls.
   */
  invoke(operation: Operation, input: unknown, call: ReceivedCall): object | Promise<object>;
  /** What an unexpected failure is answered with (the service's own internal-error exception, HTTP 500). */
  internalError(): AwsProtocolError;
}

export interface ControlResponse {
  readonly status: number;
  readonly body?: unknown;
}

export type ControlHandler = (
  request: IncomingMessage,
  body: string,
  url: URL,
) => Promise<ControlResponse> | ControlResponse;

export interface AwsJsonServerOptions {
  /** Bodies above this are refused with SerializationException. */
  readonly maxBodyBytes: number;
  /** An out-of-protocol control surface (`/_keyturn/...`), answered with plain JSON. */
  readonly control?: { readonly pathPrefix: string; readonly handle: ControlHandler };
  /** Services on AWS JSON 1.0 (Step Functions, DynamoDB) answer with their own content type. @default AWS JSON 1.1 */
  readonly contentType?: string;
}

export function createAwsJsonServer<Operation extends string>(
  service: AwsJsonService<Operation>,
  options: AwsJsonServerOptions,
): Server {
  return createServer((request, response) => {
    void route(request, response, service, options).catch(() => {
      // Only reachable if writing the response itself failed; the socket is already gone.
      if (!response.headersSent) sendJson(response, 500, { message: 'internal error' });
    });
  });
}

async function route<Operation extends string>(
  request: IncomingMessage,
  response: ServerResponse,
  service: AwsJsonService<Operation>,
  options: AwsJsonServerOptions,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  let body: string;
  try {
    body = await readRequestBody(request, options.maxBodyBytes);
  } catch {
    sendAwsJsonError(
      response,
      serializationException('The request body is too large.'),
      undefined,
      options.contentType,
    );
    return;
  }
  if (options.control && url.pathname.startsWith(options.control.pathPrefix)) {
    const result = await options.control.handle(request, body, url);
    sendJson(response, result.status, result.body);
    return;
  }
  if (request.method !== 'POST') {
    sendJson(response, 404, { message: 'Not found: the AWS protocol is served as POST / with X-Amz-Target' });
    return;
  }
  await answer(request, response, body, service, options.contentType ?? AWS_JSON_CONTENT_TYPE);
}

async function answer<Operation extends string>(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
  service: AwsJsonService<Operation>,
  contentType: string,
): Promise<void> {
  const target = headerValue(request, 'x-amz-target') ?? '';
  const prefix = [service.targetPrefix, ...(service.otherTargetPrefixes ?? [])].find((candidate) =>
    target.startsWith(candidate),
  );
  const operation = prefix === undefined ? '' : target.slice(prefix.length);
  const call = receivedCall(request);
  try {
    if (!service.isOperation(operation)) {
      throw new AwsProtocolError(
        'UnknownOperationException',
        `The operation ${target || '(none)'} is not supported by ${service.displayName}.`,
        400,
      );
    }
    const output = await service.invoke(operation, parseJsonBody(body), call);
    sendJson(response, 200, output, { 'content-type': contentType }, call.requestId);
  } catch (error) {
    const protocolError = error instanceof AwsProtocolError ? error : service.internalError();
    sendAwsJsonError(response, protocolError, call.requestId, contentType);
  }
}

function parseJsonBody(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw serializationException('The request body is not valid JSON.');
  }
}

function serializationException(message: string): AwsProtocolError {
  return new AwsProtocolError('SerializationException', message, 400);
}

/**
 * The AWS JSON error shape: the SDK reads the exception name from `__type` (or X-Amzn-ErrorType);
 * an awsQuery-compatible service's SDK reads the awsQuery code from `x-amzn-query-error` first.
 */
export function sendAwsJsonError(
  response: ServerResponse,
  error: AwsProtocolError,
  requestId?: string,
  contentType: string = AWS_JSON_CONTENT_TYPE,
): void {
  sendJson(
    response,
    error.httpStatus,
    { __type: error.name, message: error.message },
    {
      'content-type': contentType,
      'x-amzn-errortype': error.name,
      ...(error.queryErrorCode === undefined
        ? {}
        : { 'x-amzn-query-error': `${error.queryErrorCode};${error.httpStatus >= 500 ? 'Receiver' : 'Sender'}` }),
    },
    requestId,
  );
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  requestId: string = randomUUID(),
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    ...headers,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  response.end(text);
}
