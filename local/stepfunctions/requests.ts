import { z } from 'zod';
import { jsonRequests } from '../http/json-requests';
import { validationException } from './errors';

/**
 * Request shapes of the Step Functions operations the local API serves (members as on the wire,
 * lowerCamelCase; limits as in the service model). A request that breaks one fails with
 * ValidationException naming the member and the rule; the value itself is never repeated.
 */

const arn = z.string().min(1).max(256);
const maxResults = z.number().int().min(0).max(1000).optional();
const nextToken = z.string().min(1).max(1024).optional();
const includedData = z.enum(['ALL_DATA', 'METADATA_ONLY']).optional();

export const EXECUTION_STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
] as const;

export const REQUEST_SCHEMAS = {
  StartExecution: z.object({
    stateMachineArn: arn,
    name: z.string().min(1).max(80).optional(),
    input: z.string().max(262_144).optional(),
    traceHeader: z.string().max(256).optional(),
  }),
  DescribeExecution: z.object({ executionArn: arn, includedData }),
  GetExecutionHistory: z.object({
    executionArn: arn,
    maxResults,
    reverseOrder: z.boolean().optional(),
    nextToken,
    includeExecutionData: z.boolean().optional(),
  }),
  ListExecutions: z.object({
    stateMachineArn: arn.optional(),
    statusFilter: z.enum(EXECUTION_STATUSES).optional(),
    maxResults,
    nextToken,
    mapRunArn: z.string().optional(),
    redriveFilter: z.string().optional(),
  }),
  StopExecution: z.object({
    executionArn: arn,
    error: z.string().max(256).optional(),
    cause: z.string().max(32_768).optional(),
  }),
  ListStateMachines: z.object({ maxResults, nextToken }),
  DescribeStateMachine: z.object({ stateMachineArn: arn, includedData }),
} as const satisfies Record<string, z.ZodType>;

export type OperationName = keyof typeof REQUEST_SCHEMAS;
export type RequestOf<Operation extends OperationName> = z.infer<(typeof REQUEST_SCHEMAS)[Operation]>;

const requests = jsonRequests(REQUEST_SCHEMAS, validationException);
export const OPERATION_NAMES: OperationName[] = requests.names;
export const { isOperationName, parseRequest } = requests;
