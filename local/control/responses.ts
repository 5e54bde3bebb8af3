import type { ControlResponse } from '../http/aws-json-server';

/** Answers and body parsing shared by the local services' `/_keyturn/` control endpoints. */
export const ok = (body: unknown): ControlResponse => ({ status: 200, body });
export const badRequest = (message: string): ControlResponse => ({ status: 400, body: { error: message } });

/** A control request's JSON body (an empty body is `{}`), or undefined when it is not JSON. */
export function parseControlBody(body: string): unknown {
  try {
    return body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return undefined;
  }
}
