import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ControlHandler, ControlResponse } from '../http/aws-json-server';
import { badRequest, ok, parseControlBody } from '../http/control-responses';
import type { CryptoRequestStats } from './crypto-quota';
import type { KmsFaultControl } from './faults';
import type { RotationRecord } from './rotation';

/**
 * The out-of-process control surface of the local KMS, under /_keyturn/ on its endpoint (not
 * part of the AWS protocol; dates are ISO 8601 strings). It never shows key material:
 *
 *   GET    /_keyturn/health                         -> { status: "ok" }
 *   GET    /_keyturn/keys                           -> { keys: LocalKmsKeySummary[] } (material ids, never material)
 *   POST   /_keyturn/rotations/advance              -> { rotations } (completes what is due now)
 *   POST   /_keyturn/clock/advance { ms }           -> { now, rotations } (moves the emulator's clock on)
 *   PUT    /_keyturn/crypto-rate { perSecond }      (0: no quota)
 *   GET    /_keyturn/crypto-requests                -> CryptoRequestStats;  DELETE resets the counts
 *   PUT    /_keyturn/on-demand-rotation { limit?, durationMs? }
 *   GET    /_keyturn/faults                         -> { faults }
 *   POST   /_keyturn/faults { operation, count?, code?, delayMs?, hold? }  (hold: until DELETE)
 *   DELETE /_keyturn/faults                         (also lets held calls go on)
 */

export interface KmsControlDependencies {
  readonly faults: KmsFaultControl;
  readonly keys: () => unknown[];
  readonly advanceRotations: () => RotationRecord[];
  readonly advanceClock: (ms: number) => { readonly now: Date; readonly rotations: RotationRecord[] };
  readonly setCryptoRate: (perSecond: number) => void;
  readonly cryptoStats: () => CryptoRequestStats;
  readonly resetCryptoStats: () => void;
  readonly setOnDemandRotation: (settings: { readonly limit?: number; readonly durationMs?: number }) => void;
}

const clockRequest = z.object({ ms: z.number().int().min(0) });
const rateRequest = z.object({ perSecond: z.number().min(0) });
const onDemandRequest = z.object({
  limit: z.number().int().min(0).optional(),
  durationMs: z.number().int().min(0).optional(),
});
const faultRequest = z.object({
  operation: z.string(),
  count: z.number().int().min(1).default(1),
  code: z.string().optional(),
  delayMs: z.number().min(0).optional(),
  hold: z.boolean().optional(),
});

export function createKmsControlHandler(dependencies: KmsControlDependencies): ControlHandler {
  return (request: IncomingMessage, body: string, url: URL): ControlResponse => {
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    try {
      switch (route) {
        case 'GET /_keyturn/health':
          return ok({ status: 'ok' });
        case 'GET /_keyturn/keys':
          return ok({ keys: dependencies.keys() });
        case 'POST /_keyturn/rotations/advance':
          return ok({ rotations: dependencies.advanceRotations() });
        case 'POST /_keyturn/clock/advance': {
          const parsed = clockRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "ms": <whole number >= 0> }');
          return ok(dependencies.advanceClock(parsed.data.ms));
        }
        case 'PUT /_keyturn/crypto-rate': {
          const parsed = rateRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "perSecond": <number >= 0, 0 for no quota> }');
          dependencies.setCryptoRate(parsed.data.perSecond);
          return ok({ perSecond: parsed.data.perSecond });
        }
        case 'GET /_keyturn/crypto-requests':
          return ok(dependencies.cryptoStats());
        case 'DELETE /_keyturn/crypto-requests':
          dependencies.resetCryptoStats();
          return ok(dependencies.cryptoStats());
        case 'PUT /_keyturn/on-demand-rotation': {
          const parsed = onDemandRequest.safeParse(parseControlBody(body));
          if (!parsed.success) return badRequest('expected { "limit"?: number, "durationMs"?: number }');
          dependencies.setOnDemandRotation(parsed.data);
          return ok(parsed.data);
        }
        case 'GET /_keyturn/faults':
          return ok({ faults: dependencies.faults.pending() });
        case 'POST /_keyturn/faults': {
          const parsed = faultRequest.safeParse(parseControlBody(body));
          if (!parsed.success) {
            return badRequest(
              'expected { "operation": string, "count"?: number, "code"?: string, "delayMs"?: number, "hold"?: boolean }',
            );
          }
          const { operation, count, code, delayMs, hold } = parsed.data;
          if (hold === true || delayMs !== undefined) {
            dependencies.faults.delayNext(operation, hold === true ? Infinity : (delayMs ?? 0), count);
          }
          if (code !== undefined || (hold !== true && delayMs === undefined)) {
            dependencies.faults.failNext(operation, code, count);
          }
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
