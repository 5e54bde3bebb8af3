import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readRequestBody } from '../http/request-body';
import { QueryParams } from '../http/query-params';
import { internalFailure, RdsError } from './errors';
import type { RdsFaults } from './faults';
import type { OperationHandler } from './operations';
import { isOperationName, type OperationName } from './requests';
import { queryErrorResponse, queryResponse } from './xml';

/**
 * The HTTP face of the local RDS: the awsQuery protocol, a form-encoded POST / with
 * `Action=DescribeDBInstances&Version=2014-10-31&...`, answered with XML in RDS's namespace.
 * SigV4 signatures are accepted unchecked. Only the Describe actions keyturn needs are served.
 */

const API_VERSION = '2014-10-31';
const MAX_BODY_BYTES = 256 * 1024;

export function createRdsServer(handlers: Record<OperationName, OperationHandler>, faults: RdsFaults): Server {
  return createServer((request, response) => {
    void route(request, response, handlers, faults).catch(() => {
      if (!response.headersSent) sendXml(response, internalFailure(), randomUUID());
    });
  });
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  handlers: Record<OperationName, OperationHandler>,
  faults: RdsFaults,
): Promise<void> {
  const requestId = randomUUID();
  if (request.method !== 'POST') {
    sendXml(response, new RdsError('InvalidAction', 'The local RDS serves the query protocol as POST /.'), requestId);
    return;
  }
  let body: string;
  try {
    body = await readRequestBody(request, MAX_BODY_BYTES);
  } catch {
    sendXml(response, new RdsError('MalformedQueryString', 'The request is too large.'), requestId);
    return;
  }
  try {
    const params = new QueryParams(body);
    const action = params.get('Action');
    if (action === undefined) throw new RdsError('MissingAction', 'The request must contain the parameter Action.');
    if (!isOperationName(action)) {
      throw new RdsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    const version = params.get('Version');
    if (version !== undefined && version !== API_VERSION) {
      throw new RdsError('NoSuchVersion', `The requested version (${version}) of service AmazonRDSv19 does not exist.`);
    }
    const fault = faults.take(action);
    if (fault) throw fault;
    sendXml(response, { action, result: handlers[action](params) }, requestId);
  } catch (error) {
    sendXml(response, error instanceof RdsError ? error : internalFailure(), requestId);
  }
}

function sendXml(
  response: ServerResponse,
  outcome: RdsError | { readonly action: string; readonly result: string },
  requestId: string,
): void {
  const isError = outcome instanceof RdsError;
  const text = isError
    ? queryErrorResponse(outcome, requestId)
    : queryResponse(outcome.action, outcome.result, requestId);
  response.writeHead(isError ? outcome.httpStatus : 200, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  response.end(text);
}
