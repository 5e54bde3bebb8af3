import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { AwsServiceError } from './errors';
import { FAULT_TIMINGS, type FaultInjector } from './faults';
import type { QuotaSetting } from './quotas';
import type { RotationRecord } from './rotation';
import type { LabelChange, ReadonlySecret, ServiceOwnedSecretInput } from './state';
import type { ControlHandler, ControlResponse } from './server';
import { badRequest, ok, parseControlBody } from '../http/control-responses';

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
 *
 * Dates are ISO 8601 strings here; this surface is ours, not AWS's.
 */

export interface ControlDependencies {
  readonly faults: FaultInjector;
  readonly rotationHistory: (secretId?: string, token?: string) => RotationRecord[];
  readonly labelHistory: (secretId: string) => LabelChange[];
  readonly setQuotas: (setting: QuotaSetting) => void;
  readonly createServiceOwnedSecret: (input: ServiceOwnedSecretInput) => ReadonlySecret;
}

const faultRequest = z.object({
  operation: z.string(),
  count: z.number().int().min(1).default(1),
  exceptionName: z.string().optional(),
  timing: z.enum(FAULT_TIMINGS).optional(),
  secretId: z.string().optional(),
});

const quotaRequest = z.object({
  enabled: z.boolean(),
  overrides: z.record(z.string(), z.number().positive()).optional(),
});

const serviceOwnedSecretRequest = z.object({
  owningService: z.string().regex(/^[a-z0-9-]{1,64}$/),
  secretString: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })).optional(),
});

export function createControlHandler(dependencies: ControlDependencies): ControlHandler {
  return (request: IncomingMessage, body: string, url: URL): ControlResponse => {
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    try {
      switch (route) {
        case 'GET /_keyturn/health':
          return ok({ status: 'ok' });
        case 'GET /_keyturn/rotations': {
          const secretId = url.searchParams.get('secretId') ?? undefined;
          const token = url.searchParams.get('token') ?? undefined;
          return ok({ rotations: dependencies.rotationHistory(secretId, token) });
        }
        case 'GET /_keyturn/label-history': {
          const secretId = url.searchParams.get('secretId');
          if (!secretId) return badRequest('expected ?secretId=<name or ARN>');
          return ok({ changes: dependencies.labelHistory(secretId) });
        }
        case 'GET /_keyturn/faults':
          return ok({ faults: dependencies.faults.pending() });
        case 'POST /_keyturn/faults': {
          const parsed = faultRequest.safeParse(parseControlBody(body));
          if (!parsed.success) {
            return badRequest(
              'expected {"operation": string, "count": positive integer, "exceptionName"?: string, "timing"?: "before-applying" | "after-applying", "secretId"?: string}',
            );
          }
          const { operation, count, exceptionName, timing, secretId } = parsed.data;
          dependencies.faults.failNext(operation, count, exceptionName, { timing, secretId });
          return ok({ faults: dependencies.faults.pending() });
        }
        case 'DELETE /_keyturn/faults':
          dependencies.faults.clear();
          return ok({ faults: [] });
        case 'PUT /_keyturn/quotas': {
          const parsed = quotaRequest.safeParse(parseControlBody(body));
          if (!parsed.success)
            return badRequest('expected {"enabled": boolean, "overrides"?: {name: requestsPerSecond}}');
          const { enabled, overrides } = parsed.data;
          dependencies.setQuotas(enabled ? (overrides ?? true) : false);
          return ok({ enabled });
        }
        case 'POST /_keyturn/service-owned-secrets': {
          const parsed = serviceOwnedSecretRequest.safeParse(parseControlBody(body));
          if (!parsed.success) {
            return badRequest(
              'expected {"owningService": string, "secretString": string, "name"?: string, "description"?: string, "tags"?: [{"Key", "Value"}]}',
            );
          }
          const { secretString, ...rest } = parsed.data;
          const secret = dependencies.createServiceOwnedSecret({ ...rest, value: secretString });
          return ok({ ARN: secret.arn, Name: secret.name, VersionId: secret.versions[0]?.versionId });
        }
        default:
          return { status: 404, body: { error: `no control route ${route}` } };
      }
    } catch (error) {
      // failNext and setQuotas reject unknown names with RangeError: a caller mistake, not a server fault.
      if (error instanceof RangeError) return badRequest(error.message);
      if (error instanceof AwsServiceError) return badRequest(`${error.name}: ${error.message}`);
      throw error;
    }
  };
}
