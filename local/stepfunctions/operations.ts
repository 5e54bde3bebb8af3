import { compact, epochSeconds } from '../http/aws-json-values';
import { paginate } from '../http/pagination';
import { invalidArn, invalidToken, StepFunctionsError, validationException } from './errors';
import { executionHistory } from './history';
import { parseRequest, type OperationName } from './requests';
import { StartExecutionError, type ExecutionHost, type LiveExecution } from './runner';
import { statusOf, type StepFunctionsState } from './state';

/**
 * One handler per Step Functions operation: validate the request, ask the state or the execution
 * host, shape the answer as AWS does (lowerCamelCase members, dates in epoch seconds). Handlers
 * know nothing about HTTP.
 */

export type OperationHandler = (body: unknown) => object | Promise<object>;

/** The page size when a request gives none (or 0), as Step Functions documents it. */
const DEFAULT_MAX_RESULTS = 100;

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** InvalidArn as AWS words it: a string that is no ARN, or an ARN of another kind of resource. */
function checkArn(value: string, pattern: RegExp, kind: 'stateMachine' | 'execution'): void {
  if (pattern.test(value)) return;
  const resourceType = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:([^:]+):/.exec(value)?.[1];
  if (resourceType === undefined) throw invalidArn(`Invalid ARN prefix: ${value}`);
  if (resourceType !== kind) throw invalidArn(`Resource type not valid in this context: ${resourceType}`);
  throw invalidArn(`Invalid ARN: ${value}`);
}

function pageSize(maxResults: number | undefined): number {
  return maxResults === undefined || maxResults === 0 ? DEFAULT_MAX_RESULTS : maxResults;
}

function executionListItem(execution: LiveExecution): Record<string, unknown> {
  return compact({
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: statusOf(execution),
    startDate: epochSeconds(execution.startDate),
    stopDate: execution.outcome ? epochSeconds(execution.outcome.stopDate) : undefined,
  });
}

export function createOperationHandlers(
  state: StepFunctionsState,
  host: ExecutionHost,
): Record<OperationName, OperationHandler> {
  const findExecution = (executionArn: string): LiveExecution => {
    checkArn(executionArn, EXECUTION_ARN, 'execution');
    const execution = state.execution(executionArn);
    if (!execution) {
      throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    return execution;
  };
  const findStateMachine = (stateMachineArn: string) => {
    checkArn(stateMachineArn, STATE_MACHINE_ARN, 'stateMachine');
    const machine = state.stateMachine(stateMachineArn);
    if (!machine) {
      throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    return machine;
  };

  return {
    StartExecution(body) {
      const request = parseRequest('StartExecution', body);
      findStateMachine(request.stateMachineArn);
      let input: unknown;
      try {
        input = JSON.parse(request.input ?? '{}') as unknown;
      } catch {
        throw new StepFunctionsError(
          'InvalidExecutionInput',
          'Invalid State Machine Execution Input: the input is not valid JSON',
        );
      }
      try {
        const { execution } = host.start(request.stateMachineArn, input, request.name);
        return { executionArn: execution.executionArn, startDate: epochSeconds(execution.startDate) };
      } catch (error) {
        if (error instanceof StartExecutionError) throw new StepFunctionsError(error.code, error.message);
        throw error;
      }
    },

    DescribeExecution(body) {
      const request = parseRequest('DescribeExecution', body);
      const execution = findExecution(request.executionArn);
      const { outcome } = execution;
      const withData = request.includedData !== 'METADATA_ONLY';
      const output = outcome?.status === 'SUCCEEDED' ? JSON.stringify(outcome.output ?? null) : undefined;
      return compact({
        ...executionListItem(execution),
        input: withData ? execution.inputJson : undefined,
        inputDetails: { included: withData },
        output: withData ? output : undefined,
        outputDetails: output === undefined ? undefined : { included: withData },
        error: outcome?.error,
        cause: outcome?.cause,
        redriveCount: 0,
      });
    },

    GetExecutionHistory(body) {
      const request = parseRequest('GetExecutionHistory', body);
      const execution = findExecution(request.executionArn);
      const machine = state.stateMachine(execution.stateMachineArn);
      const events = executionHistory(execution, {
        taskResources: machine?.taskResources ?? {},
        roleArn: machine?.roleArn ?? '',
        includeExecutionData: request.includeExecutionData ?? true,
      });
      if (request.reverseOrder) events.reverse();
      // Tokens stay valid while the history grows: they carry the offset, and the query they belong to.
      const page = paginate(
        events,
        pageSize(request.maxResults),
        request.nextToken,
        { operation: 'GetExecutionHistory', arn: request.executionArn, reverse: request.reverseOrder ?? false },
        invalidToken,
      );
      return compact({ events: page.items, nextToken: page.nextToken });
    },

    ListExecutions(body) {
      const request = parseRequest('ListExecutions', body);
      if (request.mapRunArn !== undefined || request.stateMachineArn === undefined) {
        // Map runs belong to Distributed Map, which the local runner does not run.
        throw validationException('The local Step Functions lists executions by stateMachineArn only.');
      }
      findStateMachine(request.stateMachineArn);
      const page = paginate(
        state.executionsOf(request.stateMachineArn, request.statusFilter),
        pageSize(request.maxResults),
        request.nextToken,
        { operation: 'ListExecutions', arn: request.stateMachineArn, status: request.statusFilter ?? null },
        invalidToken,
      );
      return compact({ executions: page.items.map(executionListItem), nextToken: page.nextToken });
    },

    async StopExecution(body) {
      const request = parseRequest('StopExecution', body);
      const execution = findExecution(request.executionArn);
      execution.stop(request.error, request.cause);
      // Answered once the execution has ended (at once: the runner settles an aborted run without
      // waiting for its task), so a DescribeExecution after this answer reads ABORTED.
      const { stopDate } = await execution.result;
      return { stopDate: epochSeconds(stopDate) };
    },

    ListStateMachines(body) {
      const request = parseRequest('ListStateMachines', body);
      const page = paginate(
        state.stateMachines(),
        pageSize(request.maxResults),
        request.nextToken,
        { operation: 'ListStateMachines' },
        invalidToken,
      );
      return compact({
        stateMachines: page.items.map((machine) => ({
          stateMachineArn: machine.arn,
          name: machine.name,
          type: 'STANDARD',
          creationDate: epochSeconds(machine.creationDate),
        })),
        nextToken: page.nextToken,
      });
    },

    DescribeStateMachine(body) {
      const request = parseRequest('DescribeStateMachine', body);
      const machine = findStateMachine(request.stateMachineArn);
      return {
        stateMachineArn: machine.arn,
        name: machine.name,
        status: 'ACTIVE',
        ...(request.includedData === 'METADATA_ONLY' ? {} : { definition: machine.definition }),
        roleArn: machine.roleArn,
        type: 'STANDARD',
        creationDate: epochSeconds(machine.creationDate),
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: { enabled: false },
      };
    },
  };
}
