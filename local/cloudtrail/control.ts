import { z } from 'zod';
import type { ControlHandler } from '../http/aws-json-server';
import { faultRoutes, plannedCallCount } from '../control/fault-routes';
import { ok } from '../control/responses';
import { createControlRouter } from '../control/router';
import { setMilliseconds, setPerSecondRate } from '../control/settings';
import type { LocalCloudTrailEvent } from './events';
import type { CloudTrailFaultControl } from './faults';

/**
 * The out-of-process control surface of the local CloudTrail, under /_keyturn/ on its endpoint
 * (not part of the AWS protocol; dates are ISO 8601 strings):
 *
 *   GET    /_keyturn/health                     -> { status: "ok" }
 *   GET    /_keyturn/events[?accessKeyId=]      -> { events: LocalCloudTrailEvent[] } (delivered or not, newest first)
 *   DELETE /_keyturn/events
 *   PUT    /_keyturn/delivery-delay { ms }      (for events recorded from now on)
 *   PUT    /_keyturn/lookup-rate { perSecond }  (0: no throttling)
 *   GET    /_keyturn/faults                     -> { faults: PendingCloudTrailFault[] }
 *   POST   /_keyturn/faults { count?, code? }   (the next LookupEvents calls fail with `code`)
 *   DELETE /_keyturn/faults
 */

export interface CloudTrailControlDependencies {
  readonly faults: CloudTrailFaultControl;
  readonly events: (filter: { readonly accessKeyId?: string }) => LocalCloudTrailEvent[];
  readonly clearEvents: () => void;
  readonly setDeliveryDelay: (ms: number) => void;
  readonly setLookupEventsRate: (perSecond: number) => void;
}

const faultRequest = {
  schema: z.object({ count: plannedCallCount(), code: z.string().optional() }),
  expected: '{ "count"?: number, "code"?: string }',
};

export function createCloudTrailControlHandler(dependencies: CloudTrailControlDependencies): ControlHandler {
  return createControlRouter({
    'GET /_keyturn/events': (request) => {
      const accessKeyId = request.query('accessKeyId');
      return ok({ events: dependencies.events(accessKeyId === undefined ? {} : { accessKeyId }) });
    },
    'DELETE /_keyturn/events': () => {
      dependencies.clearEvents();
      return ok({ events: [] });
    },
    'PUT /_keyturn/delivery-delay': setMilliseconds(dependencies.setDeliveryDelay),
    'PUT /_keyturn/lookup-rate': setPerSecondRate(dependencies.setLookupEventsRate, 'no throttling'),
    ...faultRoutes(dependencies.faults, faultRequest, ({ count, code }) => {
      dependencies.faults.failNext(count, code);
    }),
  });
}
