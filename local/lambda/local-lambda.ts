import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendJson } from '../http/aws-json-server';
import { AwsProtocolError } from '../http/aws-error';
import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { readRequestBody } from '../http/request-body';
import { LambdaError, serviceException } from './errors';
import { LambdaState, type LambdaFunctionRecord } from './state';

/**
 * The local Lambda API: GetFunctionConfiguration and UpdateFunctionConfiguration (environment variables, with
 * RevisionId's optimistic concurrency and the InProgress window after an update), enough for keyturn's consumer
 * refresh. REST JSON as Lambda serves it (`/2015-03-31/functions/{name}/configuration`); point an unmodified
 * LambdaClient at `endpoint` or AWS_ENDPOINT_URL_LAMBDA. Functions are configuration only: nothing runs.
 */
export interface LocalLambdaOptions extends LoopbackEmulatorOptions {
  /** How long a function stays `InProgress` after an update. @default 0 */
  readonly updateDelayMs?: number;
  readonly now?: () => Date;
}

export const LAMBDA_OPERATION_NAMES = ['GetFunctionConfiguration', 'UpdateFunctionConfiguration'] as const;
export type LambdaOperationName = (typeof LAMBDA_OPERATION_NAMES)[number];

export interface LambdaFaultControl {
  /** The next `count` calls of `operation` fail with `exceptionName` (default ServiceException, HTTP 500). */
  failNext(operation: LambdaOperationName, count?: number, exceptionName?: string): void;
  pending(): PlannedFault<LambdaOperationName, string>[];
  clear(): void;
}

class LambdaFaults implements LambdaFaultControl {
  private readonly plan = new FaultPlan<LambdaOperationName, string>();
  failNext(operation: LambdaOperationName, count = 1, exceptionName = 'ServiceException'): void {
    if (!LAMBDA_OPERATION_NAMES.includes(operation)) throw new RangeError(`unknown Lambda operation: ${operation}`);
    assertFaultName(exceptionName, 'ServiceException');
    this.plan.add(operation, count, exceptionName);
  }
  pending() {
    return this.plan.pending();
  }
  clear() {
    this.plan.clear();
  }
  take(operation: LambdaOperationName): void {
    const fault = this.plan.take(operation);
    if (fault !== undefined) throw new LambdaError(fault, `Injected fault: ${operation} failed with ${fault}.`);
  }
}

/** What a test or the drill reads of a function (its variables included: local fixtures only). */
export interface LocalLambdaFunctionView {
  readonly revisionId: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly configurationUpdates: number;
  readonly lastUpdateStatus: string;
}

export class LocalLambda extends LoopbackEmulator<LambdaFaultControl> {
  /** @internal use startLocalLambda */
  constructor(
    server: Server,
    private readonly state: LambdaState,
    faults: LambdaFaults,
  ) {
    super(server, state.location, faults);
  }

  /** Creates a function with these environment variables (a fixture); returns its ARN. */
  createFunction(name: string, variables: Record<string, string> = {}): string {
    return this.state.create(name, variables).functionArn;
  }

  function(name: string): LocalLambdaFunctionView {
    const f = this.state.get(name);
    return {
      revisionId: f.revisionId,
      variables: { ...f.variables },
      configurationUpdates: f.configurationUpdates,
      lastUpdateStatus: f.lastUpdateStatus,
    };
  }

  /** A change by someone else (a deploy): new variables and a new RevisionId. */
  changeVariables(name: string, variables: Record<string, string>): void {
    this.state.updateEnvironment(name, variables);
  }

  /** Makes GetFunctionConfiguration report Environment.Error (the caller cannot decrypt the variables). */
  setEnvironmentError(name: string, errorCode: string | undefined): void {
    const f = this.state.get(name);
    if (errorCode === undefined) delete f.environmentError;
    else f.environmentError = errorCode;
  }

  setUpdateDelay(ms: number): void {
    this.state.updateDelayMs = ms;
  }

  protected override close(): Promise<void> {
    this.state.stop();
    return super.close();
  }
}

const CONFIGURATION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/;

function configurationOutput(f: LambdaFunctionRecord): object {
  return {
    FunctionName: f.functionName,
    FunctionArn: f.functionArn,
    Runtime: 'nodejs22.x',
    Handler: 'index.handler',
    RevisionId: f.revisionId,
    LastModified: f.lastModified.toISOString().replace('Z', '+0000'),
    State: 'Active',
    LastUpdateStatus: f.lastUpdateStatus,
    Environment: f.environmentError
      ? { Error: { ErrorCode: f.environmentError, Message: 'Lambda was unable to decrypt the environment variables.' } }
      : { Variables: { ...f.variables } },
  };
}

function sendLambdaError(response: ServerResponse, error: AwsProtocolError): void {
  sendJson(response, error.httpStatus, { Type: 'User', message: error.message }, { 'x-amzn-errortype': error.name });
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  state: LambdaState,
  faults: LambdaFaults,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const match = CONFIGURATION_PATH.exec(url.pathname);
  try {
    const body = await readRequestBody(request, 64 * 1024);
    if (!match)
      throw new LambdaError('UnknownOperationException', `${request.method ?? ''} ${url.pathname} is not emulated.`);
    const name = decodeURIComponent(match[1] ?? '');
    if (request.method === 'GET') {
      faults.take('GetFunctionConfiguration');
      sendJson(response, 200, configurationOutput(state.get(name)));
      return;
    }
    if (request.method === 'PUT') {
      faults.take('UpdateFunctionConfiguration');
      let input: { Environment?: { Variables?: Record<string, string> }; RevisionId?: string };
      try {
        input = JSON.parse(body || '{}') as typeof input;
      } catch {
        throw new LambdaError('InvalidRequestContentException', 'Could not parse request body into json.');
      }
      const updated = state.updateEnvironment(name, input.Environment?.Variables, input.RevisionId);
      sendJson(response, 200, configurationOutput(updated));
      return;
    }
    throw new LambdaError('UnknownOperationException', `${request.method ?? ''} is not emulated here.`);
  } catch (error) {
    sendLambdaError(response, error instanceof AwsProtocolError ? error : serviceException());
  }
}

export async function startLocalLambda(options: LocalLambdaOptions = {}): Promise<LocalLambda> {
  const state = new LambdaState(
    emulatorLocation(options),
    options.updateDelayMs ?? 0,
    options.now ?? (() => new Date()),
  );
  const faults = new LambdaFaults();
  const server = createServer((request, response) => {
    void handle(request, response, state, faults).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { message: 'internal error' });
    });
  });
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalLambda(server, state, faults);
}
