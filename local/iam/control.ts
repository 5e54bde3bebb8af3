import { z } from 'zod';
import type { ControlHandler } from '../http/aws-json-server';
import { faultRoutes, plannedCallCount } from '../control/fault-routes';
import { ok } from '../control/responses';
import { createControlRouter } from '../control/router';
import { setMilliseconds } from '../control/settings';
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

const faultRequest = {
  schema: z.object({ operation: z.string(), count: plannedCallCount(), code: z.string().optional() }),
  expected: '{ "operation": string, "count"?: number, "code"?: string }',
};

export function createIamControlHandler(dependencies: IamControlDependencies): ControlHandler {
  return createControlRouter({
    'GET /_keyturn/access-keys': (request) => {
      const accountId = request.query('accountId');
      const userName = request.query('userName');
      return ok({
        accessKeys: dependencies.accessKeys({
          ...(accountId === undefined ? {} : { accountId }),
          ...(userName === undefined ? {} : { userName }),
        }),
      });
    },
    'GET /_keyturn/authentications': (request) =>
      ok({ authentications: dependencies.authentications(request.query('accessKeyId')) }),
    'PUT /_keyturn/key-activation-delay': setMilliseconds(dependencies.setKeyActivationDelay),
    'PUT /_keyturn/key-revocation-delay': setMilliseconds(dependencies.setKeyRevocationDelay),
    ...faultRoutes(dependencies.faults, faultRequest, ({ operation, count, code }) => {
      if (!isIamStsOperationName(operation)) throw new RangeError(`unknown IAM or STS operation: ${operation}`);
      dependencies.faults.failNext(operation, count, code);
    }),
  });
}
