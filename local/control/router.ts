import type { IncomingMessage } from 'node:http';
import type { ControlHandler, ControlResponse } from '../http/aws-json-server';
import { badRequest, ok } from './responses';

/**
 * The one router of the local emulators' `/_keyturn/` control surfaces (Secrets Manager, KMS,
 * IAM, CloudTrail). Each emulator lists only its own routes; health, unknown routes, a trailing
 * slash and a failing route are answered here, so every surface answers them the same way.
 */

/** A control request as a route sees it. */
export interface ControlRequest {
  /** The raw body (routes parse it with `withJsonBody`). */
  readonly body: string;
  /** A query string parameter, undefined when absent. */
  query(name: string): string | undefined;
}

export type ControlRoute = (request: ControlRequest) => ControlResponse;

/** Routes by `"<METHOD> <path>"`, e.g. `'GET /_keyturn/faults'` (no trailing slash). */
export type ControlRoutes = Readonly<Record<string, ControlRoute>>;

export interface ControlRouterOptions {
  /** The answer to a route that threw. @default 400 with the error's message: a caller mistake. */
  readonly onError?: (error: unknown) => ControlResponse;
}

const HEALTH_ROUTE = 'GET /_keyturn/health';

const callerMistake = (error: unknown): ControlResponse =>
  badRequest(error instanceof Error ? error.message : 'invalid request');

export function createControlRouter(routes: ControlRoutes, options: ControlRouterOptions = {}): ControlHandler {
  const table = new Map<string, ControlRoute>([[HEALTH_ROUTE, () => ok({ status: 'ok' })], ...Object.entries(routes)]);
  const onError = options.onError ?? callerMistake;
  return (request: IncomingMessage, body: string, url: URL): ControlResponse => {
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    const answer = table.get(route);
    if (answer === undefined) return { status: 404, body: { error: `no control route ${route}` } };
    try {
      return answer({ body, query: (name) => url.searchParams.get(name) ?? undefined });
    } catch (error) {
      return onError(error);
    }
  };
}
