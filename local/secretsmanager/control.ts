import { z } from 'zod';
import { AwsServiceError } from './errors';
import { FAULT_TIMINGS, type FaultInjector } from './faults';
import type { QuotaSetting } from './quotas';
import type { RotationRecord } from './rotation';
import {
  REPLICA_STATUSES,
  type LabelChange,
  type ReadonlySecret,
  type ReplicaStatus,
  type ServiceOwnedSecretInput,
} from './state';
import type { ControlHandler, ControlResponse } from './server';
import { faultRoutes, plannedCallCount } from '../control/fault-routes';
import { withJsonBody } from '../control/json-body';
import { badRequest, ok } from '../control/responses';
import { createControlRouter } from '../control/router';

/**
 * The out-of-process control surface under /_keyturn/ (not part of the AWS protocol):
 *
 *   GET    /_keyturn/health                      -> { status: "ok" }
 *   GET    /_keyturn/rotations[?secretId=&token=] -> { rotations: RotationRecord[] }
 *   GET    /_keyturn/label-history?secretId=      -> { changes: LabelChange[] } (how the labels moved)
 *   GET    /_keyturn/faults                      -> { faults: PendingFault[] }
 *   POST   /_keyturn/faults  { operation, count, exceptionName?, timing?, secretId? }
 *                                               (timing "after-applying": the call takes effect, then fails)
 *   DELETE /_keyturn/faults                      -> clears every planned fault
 *   PUT    /_keyturn/quotas  { enabled: boolean, overrides?: { [bucketOrOperation]: perSecond } }
 *   POST   /_keyturn/service-owned-secrets { owningService, secretString, name?, description?, tags? }
 *                                               -> { ARN, Name, VersionId } (a secret RDS & co. would create)
 *   PUT    /_keyturn/replication-lag { lagMs, region? } (every region without its own lag, or one region)
 *   PUT    /_keyturn/replica-status { secretId, region, status, statusMessage? }
 *                                               (Failed / InProgress hold the replica there; InSync resumes it)
 *
 * Dates are ISO 8601 strings here; this surface is ours, not AWS's.
 */

export interface ControlDependencies {
  readonly faults: FaultInjector;
  readonly rotationHistory: (secretId?: string, token?: string) => RotationRecord[];
  readonly labelHistory: (secretId: string) => LabelChange[];
  readonly setQuotas: (setting: QuotaSetting) => void;
  readonly createServiceOwnedSecret: (input: ServiceOwnedSecretInput) => ReadonlySecret;
  readonly setReplicationLag: (lagMs: number, region?: string) => void;
  readonly setReplicaStatus: (secretId: string, region: string, status: ReplicaStatus, statusMessage?: string) => void;
}

const replicationLagRequest = {
  schema: z.object({ lagMs: z.number().int().nonnegative(), region: z.string().optional() }),
  expected: '{"lagMs": whole milliseconds >= 0, "region"?: string}',
};

const replicaStatusRequest = {
  schema: z.object({
    secretId: z.string().min(1),
    region: z.string().min(1),
    status: z.enum(REPLICA_STATUSES),
    statusMessage: z.string().optional(),
  }),
  expected:
    '{"secretId": string, "region": string, "status": "InSync" | "InProgress" | "Failed", "statusMessage"?: string}',
};

const faultRequest = {
  schema: z.object({
    operation: z.string(),
    count: plannedCallCount(),
    exceptionName: z.string().optional(),
    timing: z.enum(FAULT_TIMINGS).optional(),
    secretId: z.string().optional(),
  }),
  expected:
    '{"operation": string, "count": positive integer, "exceptionName"?: string, "timing"?: "before-applying" | "after-applying", "secretId"?: string}',
};

const quotaRequest = {
  schema: z.object({
    enabled: z.boolean(),
    overrides: z.record(z.string(), z.number().positive()).optional(),
  }),
  expected: '{"enabled": boolean, "overrides"?: {name: requestsPerSecond}}',
};

const serviceOwnedSecretRequest = {
  schema: z.object({
    owningService: z.string().regex(/^[a-z0-9-]{1,64}$/),
    secretString: z.string(),
    name: z.string().optional(),
    description: z.string().optional(),
    tags: z.array(z.object({ Key: z.string(), Value: z.string() })).optional(),
  }),
  expected:
    '{"owningService": string, "secretString": string, "name"?: string, "description"?: string, "tags"?: [{"Key", "Value"}]}',
};

/** Only caller mistakes become a 400; anything else is a fault of the emulator and is thrown on. */
function callerMistake(error: unknown): ControlResponse {
  // failNext and setQuotas reject unknown names with RangeError: a caller mistake, not a server fault.
  if (error instanceof RangeError) return badRequest(error.message);
  if (error instanceof AwsServiceError) return badRequest(`${error.name}: ${error.message}`);
  throw error;
}

export function createControlHandler(dependencies: ControlDependencies): ControlHandler {
  return createControlRouter(
    {
      'GET /_keyturn/rotations': (request) =>
        ok({ rotations: dependencies.rotationHistory(request.query('secretId'), request.query('token')) }),
      'GET /_keyturn/label-history': (request) => {
        const secretId = request.query('secretId');
        if (!secretId) return badRequest('expected ?secretId=<name or ARN>');
        return ok({ changes: dependencies.labelHistory(secretId) });
      },
      ...faultRoutes(dependencies.faults, faultRequest, ({ operation, count, exceptionName, timing, secretId }) => {
        dependencies.faults.failNext(operation, count, exceptionName, { timing, secretId });
      }),
      'PUT /_keyturn/quotas': withJsonBody(quotaRequest, ({ enabled, overrides }) => {
        dependencies.setQuotas(enabled ? (overrides ?? true) : false);
        return ok({ enabled });
      }),
      'POST /_keyturn/service-owned-secrets': withJsonBody(serviceOwnedSecretRequest, ({ secretString, ...rest }) => {
        const secret = dependencies.createServiceOwnedSecret({ ...rest, value: secretString });
        return ok({ ARN: secret.arn, Name: secret.name, VersionId: secret.versions[0]?.versionId });
      }),
      'PUT /_keyturn/replication-lag': withJsonBody(replicationLagRequest, ({ lagMs, region }) => {
        dependencies.setReplicationLag(lagMs, region);
        return ok({ lagMs, ...(region === undefined ? {} : { region }) });
      }),
      'PUT /_keyturn/replica-status': withJsonBody(
        replicaStatusRequest,
        ({ secretId, region, status, statusMessage }) => {
          dependencies.setReplicaStatus(secretId, region, status, statusMessage);
          return ok({ status });
        },
      ),
    },
    { onError: callerMistake },
  );
}
