import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readRequestBody } from '../http/request-body';
import { internalError, invalidParameter, SnsError } from './errors';
import type { SnsFaults } from './faults';
import type { OperationHandler } from './operations';
import { QueryParams } from '../http/query-params';
import { isOperationName, type OperationName } from './requests';
import { queryErrorResponse, queryResponse } from './xml';

/**
 * The HTTP face of the local SNS: the awsQuery protocol, a form-encoded POST / with
 * `Action=<Operation>&Version=2010-03-31&...`, answered with XML in SNS's namespace. SigV4
 * signatures are accepted unchecked; message bodies are never logged.
 */

const API_VERSION = '2010-03-31';
/** A 256 KiB message with attributes, percent-encoded (up to 3 bytes per byte), fits with room to spare. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createSnsServer(handlers: Record<OperationName, OperationHandler>, faults: SnsFaults): Server {
  return createServer((request, response) => {
    void route(request, response, handlers, faults).catch(() => {
      // Only reachable if writing the response itself failed; the socket is already gone.
      if (!response.headersSent) sendXml(response, internalError(), randomUUID());
    });
  });
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  handlers: Record<OperationName, OperationHandler>,
  faults: SnsFaults,
): Promise<void> {
  const requestId = randomUUID();
  if (request.method !== 'POST') {
    sendXml(response, new SnsError('InvalidAction', 'The local SNS serves the query protocol as POST /.'), requestId);
    return;
  }
  let body: string;
  try {
    body = await readRequestBody(request, MAX_BODY_BYTES);
  } catch {
    sendXml(response, invalidParameter('Message too long'), requestId);
    return;
  }
  try {
    const params = new QueryParams(body);
    const action = params.get('Action');
    if (action === undefined) throw new SnsError('MissingAction', 'The request must contain the parameter Action.');
    if (!isOperationName(action)) {
      throw new SnsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    const version = params.get('Version');
    if (version !== undefined && version !== API_VERSION) {
      throw new SnsError('NoSuchVersion', `The requested version (${version}) of service AmazonSNS does not exist.`);
    }
    const fault = faults.take(action);
    if (fault) throw fault;
    sendXml(response, { action, result: handlers[action](params) }, requestId);
  } catch (error) {
    sendXml(response, error instanceof SnsError ? error : internalError(), requestId);
  }
}

function sendXml(
  response: ServerResponse,
  outcome: SnsError | { readonly action: string; readonly result: string | undefined },
  requestId: string,
): void {
  const isError = outcome instanceof SnsError;
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
