import { z } from 'zod';
import type { ControlHandler } from '../http/aws-json-server';
import { faultRoutes, plannedCallCount } from '../control/fault-routes';
import { withJsonBody } from '../control/json-body';
import { ok } from '../control/responses';
import { createControlRouter } from '../control/router';
import { MILLISECONDS_BODY, setPerSecondRate } from '../control/settings';
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

const onDemandRequest = {
  schema: z.object({
    limit: z.number().int().min(0).optional(),
    durationMs: z.number().int().min(0).optional(),
  }),
  expected: '{ "limit"?: number, "durationMs"?: number }',
};
const faultRequest = {
  schema: z.object({
    operation: z.string(),
    count: plannedCallCount(),
    code: z.string().optional(),
    delayMs: z.number().min(0).optional(),
    hold: z.boolean().optional(),
  }),
  expected: '{ "operation": string, "count"?: number, "code"?: string, "delayMs"?: number, "hold"?: boolean }',
};

export function createKmsControlHandler(dependencies: KmsControlDependencies): ControlHandler {
  const { faults } = dependencies;
  return createControlRouter({
    'GET /_keyturn/keys': () => ok({ keys: dependencies.keys() }),
    'POST /_keyturn/rotations/advance': () => ok({ rotations: dependencies.advanceRotations() }),
    'POST /_keyturn/clock/advance': withJsonBody(MILLISECONDS_BODY, ({ ms }) => ok(dependencies.advanceClock(ms))),
    'PUT /_keyturn/crypto-rate': setPerSecondRate(dependencies.setCryptoRate, 'no quota'),
    'GET /_keyturn/crypto-requests': () => ok(dependencies.cryptoStats()),
    'DELETE /_keyturn/crypto-requests': () => {
      dependencies.resetCryptoStats();
      return ok(dependencies.cryptoStats());
    },
    'PUT /_keyturn/on-demand-rotation': withJsonBody(onDemandRequest, (settings) => {
      dependencies.setOnDemandRotation(settings);
      return ok(settings);
    }),
    ...faultRoutes(faults, faultRequest, ({ operation, count, code, delayMs, hold }) => {
      if (hold === true || delayMs !== undefined) {
        faults.delayNext(operation, hold === true ? Infinity : (delayMs ?? 0), count);
      }
      if (code !== undefined || (hold !== true && delayMs === undefined)) {
        faults.failNext(operation, code, count);
      }
    }),
  });
}
