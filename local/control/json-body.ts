import type { z } from 'zod';
import type { ControlResponse } from '../http/aws-json-server';
import { badRequest, parseControlBody } from './responses';
import type { ControlRequest, ControlRoute } from './router';

/**
 * Control routes that take a JSON body: parsed with a zod schema, or refused with the shape the
 * route expects. The settings several emulators share (a delay, a rate) are built from it.
 */

export interface JsonBody<Schema extends z.ZodType> {
  readonly schema: Schema;
  /** The body the route expects, for the refusal: `{ "ms": <whole number >= 0> }`. */
  readonly expected: string;
}

export function withJsonBody<Schema extends z.ZodType>(
  body: JsonBody<Schema>,
  answer: (input: z.output<Schema>, request: ControlRequest) => ControlResponse,
): ControlRoute {
  return (request) => {
    const parsed = body.schema.safeParse(parseControlBody(request.body));
    if (!parsed.success) return badRequest(`expected ${body.expected}`);
    return answer(parsed.data, request);
  };
}
