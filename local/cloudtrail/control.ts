import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ControlHandler, ControlResponse } from '../http/aws-json-server';
import { badRequest, ok, parseControlBody } from '../http/control-responses';
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

const faultRequest = z.object({ count: z.number().int().min(1).default(1), code: z.string().optional() });
const delayRequest = z.object({ ms: z.number().int().min(0) });
const rateRequest = z.object({ perSecond: z.number().min(0) });

export function createCloudTrailControlHandler(dependencies: CloudTrailControlDependencies): ControlHandler {
  return (request: IncomingMessage, body: string, url: URL): ControlResponse => {
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    try {
      switch (route) {
        case 'GET /_keyturn/health':
          return ok({ status: 'ok' });
        case 'GET /_keyturn/events': {
          const accessKeyId = url.searchParams.get('accessKeyId') ?? undefined;
          return ok({ events: dependencies.events(accessKeyId === undefined ? {} : { accessKeyId }) });
        }
        case 'DELETE /_keyturn/events':
          dependencies.clearEvents();
          return ok({ events: [] });
        case 'PUT /_keyturn/delivery-delay': {
          const parsed = delayRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "ms": <whole number >= 0> }');
          dependencies.setDeliveryDelay(parsed.data.ms);
          return ok({ ms: parsed.data.ms });
        }
        case 'PUT /_keyturn/lookup-rate': {
          const parsed = rateRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "perSecond": <number >= 0, 0 for no throttling> }');
          dependencies.setLookupEventsRate(parsed.data.perSecond);
          return ok({ perSecond: parsed.data.perSecond });
        }
        case 'GET /_keyturn/faults':
          return ok({ faults: dependencies.faults.pending() });
        case 'POST /_keyturn/faults': {
          const parsed = faultRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "count"?: number, "code"?: string }');
          dependencies.faults.failNext(parsed.data.count, parsed.data.code);
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
