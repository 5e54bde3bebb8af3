import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsProtocolError } from './aws-error';
import type { ControlHandler } from './aws-json-server';
import { QueryParams } from './query-params';
import { queryErrorResponse, queryResponse } from './query-xml';
import { readRequestBody } from './request-body';

/** HTTP statuses of the errors every awsQuery service answers with (its own codes come on top). */
export const COMMON_QUERY_ERROR_STATUS: Readonly<Record<string, number>> = {
  InvalidAction: 400,
  MissingAction: 400,
  MissingParameter: 400,
  NoSuchVersion: 400,
  MalformedQueryString: 400,
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  AccessDenied: 403,
  Throttling: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

/** An awsQuery error: `Receiver` for server faults (5xx), else `Sender`, as `<Type>` says. */
export class AwsQueryError extends AwsProtocolError {
  readonly type: 'Sender' | 'Receiver';

  constructor(code: string, message: string, httpStatus: number) {
    super(code, message, httpStatus);
    this.type = httpStatus >= 500 ? 'Receiver' : 'Sender';
  }
}

/** What an authenticating service sees of a request: the signature covers all of it. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query string, exactly as sent. */
  readonly url: string;
  /** Every header as received, names lowercased, repeated headers in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
  /** The id the response carries in x-amzn-requestid. */
  readonly requestId?: string;
  /** The client's address, as the socket reports it. */
  readonly remoteAddress?: string;
}

/**
 * One emulated awsQuery service (SNS, RDS, IAM): its version, namespace, actions and errors.
 * `Caller` is who `authenticate` found behind the request (services that accept any signature
 * have none).
 */
export interface AwsQueryService<Operation extends string, Caller = undefined> {
  /** `Version=` the SDK sends, e.g. 2010-03-31. */
  readonly apiVersion: string;
  /** How AWS names the service in a NoSuchVersion message (AmazonSNS, AmazonRDSv19). */
  readonly serviceId: string;
  /** For messages: "the local SNS". */
  readonly displayName: string;
  readonly xmlNamespace: string;
  readonly maxBodyBytes: number;
  /** Each action's `<ActionResult>` inner XML, or undefined for actions without a result. */
  readonly handlers: Readonly<Record<Operation, (params: QueryParams, caller: Caller) => string | undefined>>;
  /**
   * Checks the request's signature before anything else and returns its caller, or throws the
   * AwsQueryError AWS answers with. Without it signatures are accepted unchecked.
   */
  readonly authenticate?: (request: ReceivedRequest) => Caller;
  /** An out-of-protocol control surface (`/_keyturn/...`), answered with plain JSON. */
  readonly control?: { readonly pathPrefix: string; readonly handle: ControlHandler };
  readonly isOperationName: (action: string) => action is Operation;
  /** An injected fault for this call, if one is planned. */
  readonly takeFault: (action: Operation) => AwsQueryError | undefined;
  readonly error: (code: string, message: string) => AwsQueryError;
  readonly internalError: () => AwsQueryError;
  /** The answer to a body over maxBodyBytes. */
  readonly bodyTooLarge: () => AwsQueryError;
}

/**
 * The HTTP face of an awsQuery service: a form-encoded POST / with `Action=<Operation>&Version=…`,
 * answered with XML in the service's namespace. SigV4 signatures are checked only by services
 * that `authenticate`; bodies are never logged.
 */
export function createAwsQueryServer<Operation extends string, Caller = undefined>(
  service: AwsQueryService<Operation, Caller>,
): Server {
  return createServer((request, response) => {
    void route(service, request, response).catch(() => {
      // Only reachable if writing the response itself failed; the socket is already gone.
      if (!response.headersSent) sendXml(service, response, service.internalError(), randomUUID());
    });
  });
}

async function route<Operation extends string, Caller>(
  service: AwsQueryService<Operation, Caller>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const control = service.control;
  if (control && new URL(request.url ?? '/', 'http://localhost').pathname.startsWith(control.pathPrefix)) {
    await answerControl(control.handle, request, response, service.maxBodyBytes);
    return;
  }
  if (request.method !== 'POST') {
    const message = `The local ${service.displayName} serves the query protocol as POST /.`;
    sendXml(service, response, service.error('InvalidAction', message), requestId);
    return;
  }
  let body: string;
  try {
    body = await readRequestBody(request, service.maxBodyBytes);
  } catch {
    sendXml(service, response, service.bodyTooLarge(), requestId);
    return;
  }
  try {
    const caller = service.authenticate
      ? service.authenticate(receivedRequest(request, body, requestId))
      : // Services without authentication declare no caller type: `undefined` is their Caller.
        (undefined as Caller);
    const params = new QueryParams(body);
    const action = params.get('Action');
    if (action === undefined) throw service.error('MissingAction', 'The request must contain the parameter Action.');
    if (!service.isOperationName(action)) {
      throw service.error('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    const version = params.get('Version');
    if (version !== undefined && version !== service.apiVersion) {
      throw service.error(
        'NoSuchVersion',
        `The requested version (${version}) of service ${service.serviceId} does not exist.`,
      );
    }
    const fault = service.takeFault(action);
    if (fault) throw fault;
    sendXml(service, response, { action, result: service.handlers[action](params, caller) }, requestId);
  } catch (error) {
    sendXml(service, response, error instanceof AwsQueryError ? error : service.internalError(), requestId);
  }
}

function receivedRequest(request: IncomingMessage, body: string, requestId: string): ReceivedRequest {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(request.rawHeaders[i + 1] ?? '');
    headers.set(name, values);
  }
  return {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    headers,
    body,
    requestId,
    ...(request.socket.remoteAddress === undefined ? {} : { remoteAddress: request.socket.remoteAddress }),
  };
}

async function answerControl(
  handle: ControlHandler,
  request: IncomingMessage,
  response: ServerResponse,
  maxBodyBytes: number,
): Promise<void> {
  let result: { readonly status: number; readonly body?: unknown };
  try {
    const body = await readRequestBody(request, maxBodyBytes);
    result = await handle(request, body, new URL(request.url ?? '/', 'http://localhost'));
  } catch {
    result = { status: 400, body: { error: 'the control request could not be read' } };
  }
  const text = JSON.stringify(result.body ?? {});
  response.writeHead(result.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendXml<Operation extends string, Caller>(
  service: AwsQueryService<Operation, Caller>,
  response: ServerResponse,
  outcome: AwsQueryError | { readonly action: string; readonly result: string | undefined },
  requestId: string,
): void {
  const isError = outcome instanceof AwsQueryError;
  const text = isError
    ? queryErrorResponse(service.xmlNamespace, outcome, requestId)
    : queryResponse(service.xmlNamespace, outcome.action, outcome.result, requestId);
  response.writeHead(isError ? outcome.httpStatus : 200, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  response.end(text);
}
