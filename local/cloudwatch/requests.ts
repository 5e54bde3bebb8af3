import { z } from 'zod';
import { validationMessage } from '../http/validation-message';
import { missingParameter, validationError } from './errors';
import { STANDARD_UNITS } from './metric-store';

/**
 * Request shapes of the CloudWatch API (monitoring 2010-08-01, spoken as AWS JSON 1.0 with
 * awsQuery-compatible errors) for the operations the local service serves, with the service
 * model's constraints. A missing required member fails with MissingParameter ("The parameter
 * MetricData.member.1.MetricName is required."), any other broken constraint with ValidationError
 * in AWS's "1 validation error detected: ..." form. Timestamps arrive as epoch seconds.
 */

/** The JSON codec sends NaN and the infinities as strings; PutMetricData refuses them by name. */
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
const epochSeconds = z.number();
const namespace = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^:].*$/s);
const metricName = z.string().min(1).max(255);
const dimension = z.object({ Name: z.string().min(1).max(255), Value: z.string().min(1).max(1024) });
const dimensions = z.array(dimension).max(30);
const unit = z.enum(STANDARD_UNITS);
const nextToken = z.string().optional();

const metric = z.object({
  Namespace: namespace.optional(),
  MetricName: metricName.optional(),
  Dimensions: dimensions.optional(),
});

export const REQUEST_SCHEMAS = {
  PutMetricData: z.object({
    Namespace: namespace,
    MetricData: z
      .array(
        z.object({
          MetricName: metricName,
          Dimensions: dimensions.optional(),
          Timestamp: epochSeconds.optional(),
          Value: double.optional(),
          StatisticValues: z.object({ SampleCount: double, Sum: double, Minimum: double, Maximum: double }).optional(),
          Values: z.array(double).optional(),
          Counts: z.array(double).optional(),
          Unit: unit.optional(),
          StorageResolution: z.number().int().min(1).optional(),
        }),
      )
      .min(1)
      .max(1000)
      .optional(),
    EntityMetricData: z.array(z.unknown()).optional(),
    StrictEntityValidation: z.boolean().optional(),
  }),
  GetMetricData: z.object({
    MetricDataQueries: z
      .array(
        z.object({
          Id: z
            .string()
            .min(1)
            .max(255)
            .regex(/^[a-z][a-zA-Z0-9_]*$/),
          MetricStat: z
            .object({
              Metric: metric,
              Period: z.number().int().min(1),
              Stat: z.string().min(1),
              Unit: unit.optional(),
            })
            .optional(),
          Expression: z.string().min(1).max(2048).optional(),
          Label: z.string().optional(),
          ReturnData: z.boolean().optional(),
          Period: z.number().int().min(1).optional(),
          AccountId: z.string().min(1).max(255).optional(),
        }),
      )
      .min(1)
      .max(500),
    StartTime: epochSeconds,
    EndTime: epochSeconds,
    NextToken: nextToken,
    ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
    MaxDatapoints: z.number().int().min(1).optional(),
    LabelOptions: z.object({ Timezone: z.string().optional() }).optional(),
  }),
  GetMetricStatistics: z.object({
    Namespace: namespace,
    MetricName: metricName,
    Dimensions: dimensions.optional(),
    StartTime: epochSeconds,
    EndTime: epochSeconds,
    Period: z.number().int().min(1),
    Statistics: z
      .array(z.enum(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']))
      .min(1)
      .max(5)
      .optional(),
    ExtendedStatistics: z.array(z.string()).min(1).max(10).optional(),
    Unit: unit.optional(),
  }),
  ListMetrics: z.object({
    Namespace: namespace.optional(),
    MetricName: metricName.optional(),
    Dimensions: z
      .array(z.object({ Name: z.string().min(1).max(255), Value: z.string().min(1).max(1024).optional() }))
      .max(10)
      .optional(),
    NextToken: nextToken,
    RecentlyActive: z.enum(['PT3H']).optional(),
    IncludeLinkedAccounts: z.boolean().optional(),
    OwningAccount: z.string().optional(),
  }),
} as const satisfies Record<string, z.ZodType>;

export type OperationName = keyof typeof REQUEST_SCHEMAS;
export type RequestOf<Operation extends OperationName> = z.infer<(typeof REQUEST_SCHEMAS)[Operation]>;

export const OPERATION_NAMES = Object.keys(REQUEST_SCHEMAS) as OperationName[];

export const isOperationName = (name: string): name is OperationName => Object.hasOwn(REQUEST_SCHEMAS, name);

export function parseRequest<Operation extends OperationName>(
  operation: Operation,
  body: unknown,
): RequestOf<Operation> {
  const result = REQUEST_SCHEMAS[operation].safeParse(body ?? {});
  if (result.success) return result.data as RequestOf<Operation>;
  const missing = result.error.issues.find((issue) => issue.code === 'invalid_type' && issue.input === undefined);
  if (missing) throw missingParameter(`The parameter ${queryPath(missing.path)} is required.`);
  throw validationError(validationMessage(result.error.issues));
}

/** awsQuery's way of naming a member: `MetricData.member.1.MetricName`. */
export function queryPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === 'number' ? `member.${segment + 1}` : String(segment))).join('.');
}
