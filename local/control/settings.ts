import { z } from 'zod';
import { withJsonBody, type JsonBody } from './json-body';
import { ok } from './responses';
import type { ControlRoute } from './router';

/** Control routes that set one number of an emulator (a delay, a request rate) and echo it back. */

/** `{ ms }`: a delay or a step of the clock, in whole milliseconds. */
export const MILLISECONDS_BODY = {
  schema: z.object({ ms: z.number().int().min(0) }),
  expected: '{ "ms": <whole number >= 0> }',
} satisfies JsonBody<z.ZodType>;

/** PUT { ms } -> { ms } */
export function setMilliseconds(apply: (ms: number) => void): ControlRoute {
  return withJsonBody(MILLISECONDS_BODY, ({ ms }) => {
    apply(ms);
    return ok({ ms });
  });
}

const perSecondSchema = z.object({ perSecond: z.number().min(0) });

/** PUT { perSecond } -> { perSecond }; `zeroMeans` says what a rate of 0 does ("no throttling"). */
export function setPerSecondRate(apply: (perSecond: number) => void, zeroMeans: string): ControlRoute {
  const body = { schema: perSecondSchema, expected: `{ "perSecond": <number >= 0, 0 for ${zeroMeans}> }` };
  return withJsonBody(body, ({ perSecond }) => {
    apply(perSecond);
    return ok({ perSecond });
  });
}
