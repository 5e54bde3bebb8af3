import { z } from 'zod';
import { invalidParameter } from './errors';
import { FILTER_KEYS } from './list-filters';
import type { OperationName } from './operation-names';

/**
 * Request shapes of the AWS Secrets Manager API (field names exactly as in the API reference),
 * with AWS's length and range constraints. Fields the local service cannot honour are refused
 * rather than silently ignored.
 */

const secretId = z.string().min(1).max(2048);
/** AWS: ClientRequestToken and VersionId are 32 to 64 characters. */
const clientRequestToken = z.string().min(32).max(64);
const versionId = z.string().min(32).max(64);
const versionStage = z.string().min(1).max(256);
const description = z.string().max(2048);
const kmsKeyId = z.string().max(2048);
const secretString = z.string().max(65_536);
const secretBinary = z
  .string()
  .max(87_384)
  .refine((text) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text), 'SecretBinary must be base64');
const tag = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) });
const filter = z.object({
  Key: z.enum(FILTER_KEYS),
  Values: z
    .array(
      z
        .string()
        .max(512)
        .regex(/^!?[a-zA-Z0-9 :_@/+=.\-!]*$/, 'Filter values may contain only letters, digits, spaces and :_@/+=.-!'),
    )
    .min(1)
    .max(10),
});
const region = z.string().regex(/^([a-z]+-)+\d+$/, 'must be a region name such as eu-west-1');
const replicaRegions = z
  .array(z.object({ Region: region, KmsKeyId: kmsKeyId.optional() }))
  .min(1)
  .max(50);
const rotationRules = z.object({
  AutomaticallyAfterDays: z.number().int().min(1).max(1000).optional(),
  Duration: z.string().min(2).max(3).optional(),
  ScheduleExpression: z.string().min(1).max(256).optional(),
});

export const REQUEST_SCHEMAS = {
  CreateSecret: z.object({
    Name: z.string().min(1).max(512),
    ClientRequestToken: clientRequestToken.optional(),
    Description: description.optional(),
    KmsKeyId: kmsKeyId.optional(),
    SecretString: secretString.optional(),
    SecretBinary: secretBinary.optional(),
    Tags: z.array(tag).max(50).optional(),
    AddReplicaRegions: replicaRegions.optional(),
    ForceOverwriteReplicaSecret: z.boolean().optional(),
  }),
  DescribeSecret: z.object({ SecretId: secretId }),
  GetSecretValue: z.object({
    SecretId: secretId,
    VersionId: versionId.optional(),
    VersionStage: versionStage.optional(),
  }),
  BatchGetSecretValue: z.object({
    SecretIdList: z.array(secretId).min(1).max(20).optional(),
    Filters: z.array(filter).max(10).optional(),
    MaxResults: z.number().int().min(1).max(20).optional(),
    NextToken: z.string().min(1).max(4096).optional(),
  }),
  PutSecretValue: z.object({
    SecretId: secretId,
    ClientRequestToken: clientRequestToken.optional(),
    SecretString: secretString.optional(),
    SecretBinary: secretBinary.optional(),
    VersionStages: z.array(versionStage).min(1).max(20).optional(),
    RotationToken: z.string().min(36).max(256).optional(),
  }),
  UpdateSecret: z.object({
    SecretId: secretId,
    ClientRequestToken: clientRequestToken.optional(),
    Description: description.optional(),
    KmsKeyId: kmsKeyId.optional(),
    SecretString: secretString.optional(),
    SecretBinary: secretBinary.optional(),
  }),
  UpdateSecretVersionStage: z.object({
    SecretId: secretId,
    VersionStage: versionStage,
    RemoveFromVersionId: versionId.optional(),
    MoveToVersionId: versionId.optional(),
  }),
  ListSecretVersionIds: z.object({
    SecretId: secretId,
    MaxResults: z.number().int().min(1).max(100).optional(),
    NextToken: z.string().min(1).max(4096).optional(),
    IncludeDeprecated: z.boolean().optional(),
  }),
  ListSecrets: z.object({
    IncludePlannedDeletion: z.boolean().optional(),
    MaxResults: z.number().int().min(1).max(100).optional(),
    NextToken: z.string().min(1).max(4096).optional(),
    Filters: z.array(filter).max(10).optional(),
    SortOrder: z.enum(['asc', 'desc']).optional(),
    SortBy: z.enum(['created-date', 'last-accessed-date', 'last-changed-date', 'name']).optional(),
  }),
  RotateSecret: z.object({
    SecretId: secretId,
    ClientRequestToken: clientRequestToken.optional(),
    RotationLambdaARN: z.string().min(1).max(2048).optional(),
    RotationRules: rotationRules.optional(),
    RotateImmediately: z.boolean().optional(),
  }),
  CancelRotateSecret: z.object({ SecretId: secretId }),
  GetRandomPassword: z.object({
    PasswordLength: z.number().int().min(1).max(4096).optional(),
    ExcludeCharacters: z.string().max(4096).optional(),
    ExcludeNumbers: z.boolean().optional(),
    ExcludePunctuation: z.boolean().optional(),
    ExcludeUppercase: z.boolean().optional(),
    ExcludeLowercase: z.boolean().optional(),
    IncludeSpace: z.boolean().optional(),
    RequireEachIncludedType: z.boolean().optional(),
  }),
  TagResource: z.object({ SecretId: secretId, Tags: z.array(tag).max(50) }),
  UntagResource: z.object({ SecretId: secretId, TagKeys: z.array(z.string().min(1).max(128)).max(50) }),
  DeleteSecret: z.object({
    SecretId: secretId,
    RecoveryWindowInDays: z.number().int().optional(),
    ForceDeleteWithoutRecovery: z.boolean().optional(),
  }),
  RestoreSecret: z.object({ SecretId: secretId }),
  ReplicateSecretToRegions: z.object({
    SecretId: secretId,
    AddReplicaRegions: replicaRegions,
    ForceOverwriteReplicaSecret: z.boolean().optional(),
  }),
  RemoveRegionsFromReplication: z.object({ SecretId: secretId, RemoveReplicaRegions: z.array(region).min(1) }),
  StopReplicationToReplica: z.object({ SecretId: secretId }),
} as const satisfies Record<OperationName, z.ZodType>;

export type RequestOf<Operation extends OperationName> = z.infer<(typeof REQUEST_SCHEMAS)[Operation]>;

/** Fields whose content must never be echoed, even in a validation message. */
const SENSITIVE_FIELDS = new Set(['SecretString', 'SecretBinary']);

/**
 * Validates a request body. Messages name the parameter and the rule it breaks; they never
 * quote the submitted value (zod's messages describe constraints, not inputs).
 */
export function parseRequest<Operation extends OperationName>(
  operation: Operation,
  body: unknown,
): RequestOf<Operation> {
  const result = REQUEST_SCHEMAS[operation].safeParse(body ?? {});
  if (result.success) return result.data as RequestOf<Operation>;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const field = path === '' ? 'request' : path;
  const detail = SENSITIVE_FIELDS.has(String(issue?.path[0]))
    ? 'the value does not meet the parameter constraints'
    : (issue?.message ?? 'invalid');
  throw invalidParameter(`Invalid ${field}: ${detail}.`);
}
