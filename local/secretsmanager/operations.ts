import { randomUUID } from 'node:crypto';
import { generatePassword, PasswordPolicyError } from '../../functions/shared/password';
import { AwsServiceError, invalidParameter } from './errors';
import { matchesFilters, paginate, sortSecrets, type SecretFilter } from './list-filters';
import type { OperationName } from './operation-names';
import { parseRequest, type RequestOf } from './requests';
import {
  describeSecretResponse,
  epochSeconds,
  replicationStatusOf,
  secretListEntry,
  secretValueEntry,
  versionListEntry,
} from './responses';
import type { ReadonlySecret, RotationPlan, SecretsManagerState, SecretValue } from './state';

/**
 * One handler per Secrets Manager operation: validate the request (zod), call the model, shape
 * the response. Handlers know nothing about HTTP, quotas or faults.
 */

/** How operations reach the asynchronous rotation machinery. */
export interface RotationScheduler {
  start(plan: RotationPlan): void;
  cancel(secretArn: string): void;
}

export interface OperationContext {
  readonly store: SecretsManagerState;
  readonly rotations: RotationScheduler;
  /** StopReplicationToReplica made a replica standalone: its primary must stop replicating to this region. */
  readonly onReplicaPromoted?: (secret: ReadonlySecret, primaryRegion: string) => void;
}

export type OperationHandler = (body: unknown) => object;

const DEFAULT_LIST_PAGE_SIZE = 100;
const DEFAULT_BATCH_PAGE_SIZE = 20;

/** At most one of SecretString / SecretBinary (AWS refuses both); PutSecretValue additionally needs one. */
function valueFrom(request: {
  SecretString?: string | undefined;
  SecretBinary?: string | undefined;
}): SecretValue | undefined {
  if (request.SecretString !== undefined && request.SecretBinary !== undefined) {
    throw invalidParameter('You can specify either SecretString or SecretBinary, but not both.');
  }
  if (request.SecretString !== undefined) return { kind: 'string', text: request.SecretString };
  if (request.SecretBinary !== undefined) return { kind: 'binary', base64: request.SecretBinary };
  return undefined;
}

function applyFilters(
  secrets: readonly ReadonlySecret[],
  filters: readonly SecretFilter[] | undefined,
  store: SecretsManagerState,
) {
  const region = store.location.region;
  return secrets.filter((secret) =>
    matchesFilters({ ...secret, primaryRegion: secret.primaryRegion ?? region }, filters ?? []),
  );
}

export function createOperationHandlers(context: OperationContext): Record<OperationName, OperationHandler> {
  const { store, rotations } = context;

  const handlers: { [Operation in OperationName]: (request: RequestOf<Operation>) => object } = {
    CreateSecret(request) {
      const { secret, versionId } = store.createSecret({
        name: request.Name,
        clientRequestToken: request.ClientRequestToken,
        description: request.Description,
        kmsKeyId: request.KmsKeyId,
        value: valueFrom(request),
        tags: request.Tags,
        replicaRegions: request.AddReplicaRegions?.map((r) => ({ region: r.Region, kmsKeyId: r.KmsKeyId })),
        forceOverwriteReplicas: request.ForceOverwriteReplicaSecret,
      });
      const replication = replicationStatusOf(secret);
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(versionId === undefined ? {} : { VersionId: versionId }),
        ...(replication === undefined ? {} : { ReplicationStatus: replication }),
      };
    },

    DescribeSecret(request) {
      return describeSecretResponse(store.describe(request.SecretId));
    },

    GetSecretValue(request) {
      const { secret, version } = store.getSecretValue(request.SecretId, {
        versionId: request.VersionId,
        versionStage: request.VersionStage,
      });
      return secretValueEntry(secret, version);
    },

    BatchGetSecretValue(request) {
      const { SecretIdList: ids, Filters: filters, MaxResults: maxResults, NextToken: nextToken } = request;
      if ((ids === undefined) === (filters === undefined)) {
        throw invalidParameter('Specify either SecretIdList or Filters, but not both.');
      }
      if (ids !== undefined && (maxResults !== undefined || nextToken !== undefined)) {
        throw invalidParameter('MaxResults and NextToken can be used only with Filters.');
      }
      let targets: string[];
      let pageToken: string | undefined;
      if (ids !== undefined) {
        targets = ids;
      } else {
        const matching = sortSecrets(applyFilters(store.listSecrets(false), filters, store));
        const page = paginate(matching, maxResults ?? DEFAULT_BATCH_PAGE_SIZE, nextToken, {
          op: 'BatchGetSecretValue',
          filters,
        });
        targets = page.items.map((secret) => secret.arn);
        pageToken = page.nextToken;
      }
      const values: object[] = [];
      const errors: object[] = [];
      for (const secretId of targets) {
        try {
          const { secret, version } = store.getSecretValue(secretId);
          values.push(secretValueEntry(secret, version));
        } catch (error) {
          if (!(error instanceof AwsServiceError)) throw error;
          errors.push({ SecretId: secretId, ErrorCode: error.name, Message: error.message });
        }
      }
      return pageToken === undefined
        ? { SecretValues: values, Errors: errors }
        : { SecretValues: values, Errors: errors, NextToken: pageToken };
    },

    PutSecretValue(request) {
      const value = valueFrom(request);
      if (!value) throw invalidParameter('You must provide either SecretString or SecretBinary.');
      const { secret, version } = store.putSecretValue(request.SecretId, {
        clientRequestToken: request.ClientRequestToken ?? randomUUID(),
        value,
        versionStages: request.VersionStages,
      });
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: [...version.stages] };
    },

    UpdateSecret(request) {
      const { secret, versionId } = store.updateSecret(request.SecretId, {
        clientRequestToken: request.ClientRequestToken,
        description: request.Description,
        kmsKeyId: request.KmsKeyId,
        value: valueFrom(request),
      });
      return versionId === undefined
        ? { ARN: secret.arn, Name: secret.name }
        : { ARN: secret.arn, Name: secret.name, VersionId: versionId };
    },

    UpdateSecretVersionStage(request) {
      const secret = store.updateSecretVersionStage(request.SecretId, {
        versionStage: request.VersionStage,
        removeFromVersionId: request.RemoveFromVersionId,
        moveToVersionId: request.MoveToVersionId,
      });
      return { ARN: secret.arn, Name: secret.name };
    },

    ListSecretVersionIds(request) {
      const { secret, versions } = store.listSecretVersions(request.SecretId, request.IncludeDeprecated ?? false);
      const page = paginate(versions, request.MaxResults ?? DEFAULT_LIST_PAGE_SIZE, request.NextToken, {
        op: 'ListSecretVersionIds',
        secret: secret.arn,
        deprecated: request.IncludeDeprecated ?? false,
      });
      const response = { Versions: page.items.map(versionListEntry), ARN: secret.arn, Name: secret.name };
      return page.nextToken === undefined ? response : { ...response, NextToken: page.nextToken };
    },

    ListSecrets(request) {
      const matching = applyFilters(store.listSecrets(request.IncludePlannedDeletion ?? false), request.Filters, store);
      const ordered = sortSecrets(matching, request.SortBy, request.SortOrder);
      const { MaxResults: _maxResults, NextToken: _nextToken, ...query } = request;
      const page = paginate(ordered, request.MaxResults ?? DEFAULT_LIST_PAGE_SIZE, request.NextToken, {
        op: 'ListSecrets',
        ...query,
      });
      const response = { SecretList: page.items.map(secretListEntry) };
      return page.nextToken === undefined ? response : { ...response, NextToken: page.nextToken };
    },

    RotateSecret(request) {
      const plan = store.beginRotation(request.SecretId, {
        clientRequestToken: request.ClientRequestToken ?? randomUUID(),
        rotationLambdaArn: request.RotationLambdaARN,
        rotationRules: request.RotationRules,
        rotateImmediately: request.RotateImmediately,
      });
      rotations.start(plan);
      return { ARN: plan.secretArn, Name: plan.secretName, VersionId: plan.clientRequestToken };
    },

    CancelRotateSecret(request) {
      const { secret, pendingVersionId } = store.cancelRotation(request.SecretId);
      rotations.cancel(secret.arn);
      const response = { ARN: secret.arn, Name: secret.name };
      return pendingVersionId === undefined ? response : { ...response, VersionId: pendingVersionId };
    },

    GetRandomPassword(request) {
      try {
        return {
          RandomPassword: generatePassword({
            length: request.PasswordLength,
            excludeCharacters: request.ExcludeCharacters,
            excludeNumbers: request.ExcludeNumbers,
            excludePunctuation: request.ExcludePunctuation,
            excludeUppercase: request.ExcludeUppercase,
            excludeLowercase: request.ExcludeLowercase,
            includeSpace: request.IncludeSpace,
            requireEachIncludedType: request.RequireEachIncludedType,
          }),
        };
      } catch (error) {
        if (error instanceof PasswordPolicyError) throw invalidParameter(error.message);
        throw error;
      }
    },

    TagResource(request) {
      store.tagResource(request.SecretId, request.Tags);
      return {};
    },

    UntagResource(request) {
      store.untagResource(request.SecretId, request.TagKeys);
      return {};
    },

    DeleteSecret(request) {
      const deleted = store.deleteSecret(request.SecretId, {
        recoveryWindowInDays: request.RecoveryWindowInDays,
        forceDeleteWithoutRecovery: request.ForceDeleteWithoutRecovery,
      });
      if (request.ForceDeleteWithoutRecovery) rotations.cancel(deleted.arn);
      return { ARN: deleted.arn, Name: deleted.name, DeletionDate: epochSeconds(deleted.deletionDate) };
    },

    RestoreSecret(request) {
      const secret = store.restoreSecret(request.SecretId);
      return { ARN: secret.arn, Name: secret.name };
    },

    ReplicateSecretToRegions(request) {
      const secret = store.addReplicaRegions(
        request.SecretId,
        request.AddReplicaRegions.map((r) => ({ region: r.Region, kmsKeyId: r.KmsKeyId })),
        request.ForceOverwriteReplicaSecret ?? false,
      );
      return { ARN: secret.arn, ReplicationStatus: replicationStatusOf(secret) ?? [] };
    },

    RemoveRegionsFromReplication(request) {
      const secret = store.removeReplicaRegions(request.SecretId, request.RemoveReplicaRegions);
      return { ARN: secret.arn, ReplicationStatus: replicationStatusOf(secret) ?? [] };
    },

    StopReplicationToReplica(request) {
      const { secret, primaryRegion } = store.promoteReplica(request.SecretId);
      context.onReplicaPromoted?.(secret, primaryRegion);
      return { ARN: secret.arn };
    },
  };

  const bound = {} as Record<OperationName, OperationHandler>;
  for (const operation of Object.keys(handlers) as OperationName[]) {
    const handler = handlers[operation] as (request: unknown) => object;
    bound[operation] = (body) => handler(parseRequest(operation, body));
  }
  return bound;
}
