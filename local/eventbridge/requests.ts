import { z } from 'zod';
import { jsonRequests } from '../http/json-requests';
import { validationException } from './errors';

/**
 * Request shapes of the EventBridge API (field names and constraints as in the service model,
 * events-2015-10-07). A request that breaks a constraint fails as a whole with
 * ValidationException, in AWS's "1 validation error detected: ..." form; the semantic checks
 * of PutEvents entries (required fields, Detail) are per entry, in put-events.ts. Fields the
 * local service cannot honour are refused rather than silently ignored.
 */

/** A bus name (CreateEventBus, DeleteEventBus, ListEventBuses' prefix). */
const eventBusName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[/.\-_A-Za-z0-9]+$/);
/** DescribeEventBus takes a name or an ARN. */
const eventBusNameOrArn = z
  .string()
  .min(1)
  .max(1600)
  .regex(/^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/);
/** PutEvents entries name a bus that is not a partner bus: no `/` in the name. */
const nonPartnerEventBusNameOrArn = z
  .string()
  .min(1)
  .max(1600)
  .regex(/^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[.\-_A-Za-z0-9]+$/);

const tag = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) });

const putEventsEntry = z.object({
  /** Epoch seconds (the SDK serializes Date so). */
  Time: z.number().optional(),
  Source: z.string().optional(),
  Resources: z.array(z.string().max(2048)).optional(),
  DetailType: z.string().optional(),
  Detail: z.string().optional(),
  EventBusName: nonPartnerEventBusNameOrArn.optional(),
  TraceHeader: z.string().min(1).max(500).optional(),
});

/** Rule and target ids: `[\.\-_A-Za-z0-9]+`, 1 to 64 characters. */
const ruleName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[.\-_A-Za-z0-9]+$/);

/** What a target may carry besides Id and Arn; the local EventBridge delivers the event as is. */
const UNSUPPORTED_TARGET_MEMBERS = [
  'Input',
  'InputPath',
  'InputTransformer',
  'RoleArn',
  'KinesisParameters',
  'RunCommandParameters',
  'EcsParameters',
  'BatchParameters',
  'SqsParameters',
  'HttpParameters',
  'RedshiftDataParameters',
  'SageMakerPipelineParameters',
  'DeadLetterConfig',
  'RetryPolicy',
  'AppSyncParameters',
] as const;

export const REQUEST_SCHEMAS = {
  CreateEventBus: z.object({
    Name: eventBusName,
    EventSourceName: z.string().min(1).max(256).optional(),
    Description: z.string().max(512).optional(),
    KmsKeyIdentifier: z
      .string()
      .max(2048)
      .regex(/^[a-zA-Z0-9_\-/:]*$/)
      .optional(),
    DeadLetterConfig: z.object({ Arn: z.string().min(1).max(1600).optional() }).optional(),
    LogConfig: z
      .object({
        IncludeDetail: z.enum(['NONE', 'FULL']).optional(),
        Level: z.enum(['OFF', 'ERROR', 'INFO', 'TRACE']).optional(),
      })
      .optional(),
    Tags: z.array(tag).optional(),
  }),
  DescribeEventBus: z.object({ Name: eventBusNameOrArn.optional() }),
  DeleteEventBus: z.object({ Name: eventBusName }),
  ListEventBuses: z.object({
    NamePrefix: eventBusName.optional(),
    NextToken: z.string().min(1).max(2048).optional(),
    Limit: z.number().int().min(1).max(100).optional(),
  }),
  PutEvents: z.object({
    Entries: z.array(putEventsEntry).min(1).max(10),
    /** Global endpoints route between regions; operations.ts refuses it (there is one local region). */
    EndpointId: z
      .string()
      .min(1)
      .max(50)
      .regex(/^[A-Za-z0-9-]+[.][A-Za-z0-9-]+$/)
      .optional(),
  }),
  PutRule: z.object({
    Name: ruleName,
    EventBusName: eventBusNameOrArn.optional(),
    EventPattern: z.string().max(4096).optional(),
    ScheduleExpression: z.string().max(256).optional(),
    State: z.enum(['ENABLED', 'DISABLED']).optional(),
    Description: z.string().max(512).optional(),
    RoleArn: z.string().min(1).max(1600).optional(),
    Tags: z.array(tag).optional(),
  }),
  PutTargets: z.object({
    Rule: ruleName,
    EventBusName: eventBusNameOrArn.optional(),
    Targets: z
      .array(
        z
          .object({ Id: ruleName, Arn: z.string().min(1).max(1600) })
          .catchall(z.unknown())
          .superRefine((target, context) => {
            for (const member of UNSUPPORTED_TARGET_MEMBERS) {
              if (target[member] !== undefined) {
                context.addIssue({
                  code: 'custom',
                  path: [member],
                  message: `${member} is not supported by the local EventBridge (targets get the whole event)`,
                });
              }
            }
          }),
      )
      .min(1)
      .max(10),
  }),
} as const satisfies Record<string, z.ZodType>;

export type OperationName = keyof typeof REQUEST_SCHEMAS;
export type RequestOf<Operation extends OperationName> = z.infer<(typeof REQUEST_SCHEMAS)[Operation]>;
export type PutEventsEntry = RequestOf<'PutEvents'>['Entries'][number];

const requests = jsonRequests(REQUEST_SCHEMAS, validationException);
export const OPERATION_NAMES: OperationName[] = requests.names;
export const { isOperationName, parseRequest } = requests;
