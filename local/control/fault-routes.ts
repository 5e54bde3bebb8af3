import { z } from 'zod';
import { withJsonBody, type JsonBody } from './json-body';
import { ok } from './responses';
import type { ControlRoutes } from './router';

/**
 * GET, POST and DELETE /_keyturn/faults, alike on every emulator that plans faults: the POST body
 * is the emulator's own (which operation, which error, ...), the answers are the same.
 */

/** What the routes need of an emulator's fault plan. */
export interface PlannedFaults {
  pending(): unknown[];
  clear(): void;
}

/** How many of the next calls a planned fault takes: a whole number, 1 when not given. */
export const plannedCallCount = () => z.number().int().min(1).default(1);

/** `plan` takes the parsed body; it throws (a RangeError) to refuse it, e.g. an unknown operation. */
export function faultRoutes<Schema extends z.ZodType>(
  faults: PlannedFaults,
  body: JsonBody<Schema>,
  plan: (input: z.output<Schema>) => void,
): ControlRoutes {
  const pending = () => ok({ faults: faults.pending() });
  return {
    'GET /_keyturn/faults': pending,
    'POST /_keyturn/faults': withJsonBody(body, (input) => {
      plan(input);
      return pending();
    }),
    'DELETE /_keyturn/faults': () => {
      faults.clear();
      return ok({ faults: [] });
    },
  };
}
