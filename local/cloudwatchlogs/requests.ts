import { z } from 'zod';
import { jsonRequests } from '../http/json-requests';
import { STANDARD_UNITS } from '../cloudwatch/metric-store';
import { invalidParameter } from './errors';

/**
 * Request shapes of the CloudWatch Logs API (logs-2014-03-28) for the operations the local service
 * serves, with the service model's constraints. A request that breaks one fails as a whole with
 * InvalidParameterException in AWS's "1 validation error detected: ..." form. Members the local
 * service cannot honour (linked accounts, unmasking, the deprecated `interleaved=false`) are refused
 * rather than ignored.
 */

/** The retention periods PutRetentionPolicy accepts, in days. */
export const RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const logGroupName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[.\-_/#A-Za-z0-9]+$/);
/** A log group's name or ARN (the `logGroupIdentifier` members). */
const logGroupIdentifier = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[\w#+=/:,.@-]*$/);
const logStreamName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[^:*]*$/);
const nextToken = z.string().min(1).optional();
const filterName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[^:*]*$/);
const metricNamePart = z
  .string()
  .max(255)
  .regex(/^[^:*$]*$/);
const epochMillis = z.number().int().min(0);
const tags = z.record(z.string().min(1).max(128), z.string().max(256));

export const REQUEST_SCHEMAS = {
  CreateLogGroup: z.object({
    logGroupName,
    kmsKeyId: z.string().max(256).optional(),
    tags: tags.optional(),
    logGroupClass: z.enum(['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY']).optional(),
    deletionProtectionEnabled: z.boolean().optional(),
  }),
  DescribeLogGroups: z.object({
    accountIdentifiers: z.array(z.string()).optional(),
    logGroupNamePrefix: logGroupName.optional(),
    logGroupNamePattern: z
      .string()
      .max(512)
      .regex(/^[.\-_/#A-Za-z0-9]*$/)
      .optional(),
    nextToken,
    limit: z.number().int().min(1).max(50).optional(),
    includeLinkedAccounts: z.boolean().optional(),
    logGroupClass: z.enum(['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY']).optional(),
    logGroupIdentifiers: z.array(logGroupIdentifier).min(1).max(50).optional(),
  }),
  DeleteLogGroup: z.object({ logGroupName }),
  CreateLogStream: z.object({ logGroupName, logStreamName }),
  DescribeLogStreams: z.object({
    logGroupName: logGroupName.optional(),
    logGroupIdentifier: logGroupIdentifier.optional(),
    logStreamNamePrefix: logStreamName.optional(),
    orderBy: z.enum(['LogStreamName', 'LastEventTime']).optional(),
    descending: z.boolean().optional(),
    nextToken,
    limit: z.number().int().min(1).max(50).optional(),
  }),
  PutLogEvents: z.object({
    logGroupName,
    logStreamName,
    logEvents: z
      .array(z.object({ timestamp: epochMillis, message: z.string().min(1) }))
      .min(1)
      .max(10_000),
    /** Ignored, as AWS now ignores it. */
    sequenceToken: z.string().min(1).optional(),
    entity: z.unknown().optional(),
  }),
  GetLogEvents: z.object({
    logGroupName: logGroupName.optional(),
    logGroupIdentifier: logGroupIdentifier.optional(),
    logStreamName,
    startTime: epochMillis.optional(),
    endTime: epochMillis.optional(),
    nextToken,
    limit: z.number().int().min(1).max(10_000).optional(),
    startFromHead: z.boolean().optional(),
    unmask: z.boolean().optional(),
  }),
  FilterLogEvents: z.object({
    logGroupName: logGroupName.optional(),
    logGroupIdentifier: logGroupIdentifier.optional(),
    logStreamNames: z.array(logStreamName).min(1).max(100).optional(),
    logStreamNamePrefix: logStreamName.optional(),
    startTime: epochMillis.optional(),
    endTime: epochMillis.optional(),
    filterPattern: z.string().max(1024).optional(),
    nextToken,
    limit: z.number().int().min(1).max(10_000).optional(),
    interleaved: z.boolean().optional(),
    unmask: z.boolean().optional(),
  }),
  PutRetentionPolicy: z.object({ logGroupName, retentionInDays: z.number().int() }),
  PutMetricFilter: z.object({
    logGroupName,
    filterName,
    filterPattern: z.string().min(0).max(1024),
    metricTransformations: z
      .array(
        z.object({
          metricName: metricNamePart,
          metricNamespace: metricNamePart,
          metricValue: z.string().min(1).max(100),
          defaultValue: z.number().optional(),
          dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(255)).optional(),
          unit: z.enum(STANDARD_UNITS).optional(),
        }),
      )
      .min(1)
      .max(1),
    applyOnTransformedLogs: z.boolean().optional(),
    fieldSelectionCriteria: z.string().optional(),
    emitSystemFieldDimensions: z.array(z.string()).optional(),
  }),
  DescribeMetricFilters: z.object({
    logGroupName: logGroupName.optional(),
    filterNamePrefix: filterName.optional(),
    nextToken,
    limit: z.number().int().min(1).max(50).optional(),
    metricName: metricNamePart.optional(),
    metricNamespace: metricNamePart.optional(),
  }),
  DeleteMetricFilter: z.object({ logGroupName, filterName }),
  TestMetricFilter: z.object({
    filterPattern: z.string().min(0).max(1024),
    logEventMessages: z.array(z.string().min(1)).min(1).max(50),
  }),
} as const satisfies Record<string, z.ZodType>;

export type OperationName = keyof typeof REQUEST_SCHEMAS;
export type RequestOf<Operation extends OperationName> = z.infer<(typeof REQUEST_SCHEMAS)[Operation]>;

const requests = jsonRequests(REQUEST_SCHEMAS, invalidParameter);
export const OPERATION_NAMES: OperationName[] = requests.names;
export const { isOperationName, parseRequest } = requests;
