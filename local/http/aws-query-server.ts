import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsProtocolError } from './aws-error';
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

/** One emulated awsQuery service (SNS, RDS): its version, namespace, actions and errors. */
export interface AwsQueryService<Operation extends string> {
  /** `Version=` the SDK sends, e.g. 2010-03-31. */
  readonly apiVersion: string;
  /** How AWS names the service in a NoSuchVersion message (AmazonSNS, AmazonRDSv19). */
  readonly serviceId: string;
  /** For messages: "the local SNS". */
  readonly displayName: string;
  readonly xmlNamespace: string;
  readonly maxBodyBytes: number;
  /** Each action's `<ActionResult>` inner XML, or undefined for actions without a result. */
  readonly handlers: Readonly<Record<Operation, (params: QueryParams) => string | undefined>>;
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
 * answered with XML in the service's namespace. SigV4 signatures are accepted unchecked; bodies
 * are never logged.
 */
export function createAwsQueryServer<Operation extends string>(service: AwsQueryService<Operation>): Server {
  return createServer((request, response) => {
    void route(service, request, response).catch(() => {
      // Only reachable if writing the response itself failed; the socket is already gone.
      if (!response.headersSent) sendXml(service, response, service.internalError(), randomUUID());
    });
  });
}

async function route<Operation extends string>(
  service: AwsQueryService<Operation>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
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
    sendXml(service, response, { action, result: service.handlers[action](params) }, requestId);
  } catch (error) {
    sendXml(service, response, error instanceof AwsQueryError ? error : service.internalError(), requestId);
  }
}

function sendXml<Operation extends string>(
  service: AwsQueryService<Operation>,
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
