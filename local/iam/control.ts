import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ControlHandler, ControlResponse } from '../http/aws-json-server';
import { badRequest, ok, parseControlBody } from '../http/control-responses';
import type { AuthenticationRecord } from './authenticate';
import { isIamStsOperationName, type IamFaultControl } from './faults';

/**
 * The out-of-process control surface of the local IAM, under /_keyturn/ on its IAM endpoint
 * (not part of the AWS protocol; dates are ISO 8601 strings; never a secret):
 *
 *   GET    /_keyturn/health                          -> { status: "ok" }
 *   GET    /_keyturn/access-keys[?accountId=&userName=] -> { accessKeys: LocalIamAccessKey[] }
 *   GET    /_keyturn/authentications[?accessKeyId=]  -> { authentications: AuthenticationRecord[] }
 *   PUT    /_keyturn/key-activation-delay { ms }     (delay before keys created from now on work)
 *   PUT    /_keyturn/key-revocation-delay { ms }     (how long keys deactivated or deleted from now on still work)
 *   GET    /_keyturn/faults                          -> { faults: PendingIamFault[] }
 *   POST   /_keyturn/faults { operation, count?, code? }
 *   DELETE /_keyturn/faults
 */

export interface IamControlDependencies {
  readonly faults: IamFaultControl;
  readonly accessKeys: (filter: { readonly accountId?: string; readonly userName?: string }) => unknown[];
  readonly authentications: (accessKeyId?: string) => AuthenticationRecord[];
  readonly setKeyActivationDelay: (ms: number) => void;
  readonly setKeyRevocationDelay: (ms: number) => void;
}

const faultRequest = z.object({
  operation: z.string(),
  count: z.number().int().min(1).default(1),
  code: z.string().optional(),
});
const delayRequest = z.object({ ms: z.number().int().min(0) });

export function createIamControlHandler(dependencies: IamControlDependencies): ControlHandler {
  return (request: IncomingMessage, body: string, url: URL): ControlResponse => {
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    const param = (name: string) => url.searchParams.get(name) ?? undefined;
    try {
      switch (route) {
        case 'GET /_keyturn/health':
          return ok({ status: 'ok' });
        case 'GET /_keyturn/access-keys': {
          const accountId = param('accountId');
          const userName = param('userName');
          return ok({
            accessKeys: dependencies.accessKeys({
              ...(accountId === undefined ? {} : { accountId }),
              ...(userName === undefined ? {} : { userName }),
            }),
          });
        }
        case 'GET /_keyturn/authentications':
          return ok({ authentications: dependencies.authentications(param('accessKeyId')) });
        case 'PUT /_keyturn/key-activation-delay': {
          const parsed = delayRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "ms": <whole number >= 0> }');
          dependencies.setKeyActivationDelay(parsed.data.ms);
          return ok({ ms: parsed.data.ms });
        }
        case 'PUT /_keyturn/key-revocation-delay': {
          const parsed = delayRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "ms": <whole number >= 0> }');
          dependencies.setKeyRevocationDelay(parsed.data.ms);
          return ok({ ms: parsed.data.ms });
        }
        case 'GET /_keyturn/faults':
          return ok({ faults: dependencies.faults.pending() });
        case 'POST /_keyturn/faults': {
          const parsed = faultRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "operation": string, "count"?: number, "code"?: string }');
          const { operation, count, code } = parsed.data;
          if (!isIamStsOperationName(operation)) return badRequest(`unknown IAM or STS operation: ${operation}`);
          dependencies.faults.failNext(operation, count, code);
          return ok({ faults: dependencies.faults.pending() });
        }
        case 'DELETE /_keyturn/faults':
          dependencies.faults.clear();
          return ok({ faults: [] });
        default:
          return { status: 404, body: { error: `no control route ${route}` } };
      }
    } catch (error) {
      return badRequest(error instanceof Error ? error.message : 'invalid request');
    }
  };
}
