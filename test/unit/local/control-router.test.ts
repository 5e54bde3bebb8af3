import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { z } from 'zod';
import { faultRoutes, plannedCallCount } from '../../../local/control/fault-routes';
import { withJsonBody } from '../../../local/control/json-body';
import { badRequest, ok } from '../../../local/control/responses';
import { createControlRouter, type ControlRoutes } from '../../../local/control/router';
import { setMilliseconds, setPerSecondRate } from '../../../local/control/settings';
import type { ControlHandler } from '../../../local/http/aws-json-server';

/** The shared router of the emulators' /_keyturn/ control surfaces, called as the HTTP servers call it. */

function call(handle: ControlHandler, method: string | undefined, path: string, body = '') {
  const request = new IncomingMessage(new Socket());
  if (method !== undefined) request.method = method;
  return handle(request, body, new URL(`http://localhost/_keyturn/${path}`));
}

class FakeFaults {
  readonly planned: { operation: string; count: number }[] = [];
  pending() {
    return [...this.planned];
  }
  clear() {
    this.planned.length = 0;
  }
}

function surface(routes: ControlRoutes = {}, onError?: Parameters<typeof createControlRouter>[1]) {
  return createControlRouter(routes, onError);
}

describe('the control router', () => {
  it('answers health on every surface, and 404 naming any other unknown route', async () => {
    const handle = surface();
    expect(await call(handle, 'GET', 'health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await call(handle, undefined, 'health/')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await call(handle, 'POST', 'health')).toEqual({
      status: 404,
      body: { error: 'no control route POST /_keyturn/health' },
    });
  });

  it('passes query parameters, absent ones as undefined', async () => {
    const handle = surface({ 'GET /_keyturn/echo': (request) => ok({ a: request.query('a'), b: request.query('b') }) });
    expect(await call(handle, 'GET', 'echo?a=1')).toEqual({ status: 200, body: { a: '1', b: undefined } });
  });

  it('answers a route that throws with 400 and its message, unless the surface maps errors itself', async () => {
    const routes = {
      'GET /_keyturn/range': () => {
        throw new RangeError('unknown operation: Nope');
      },
      'GET /_keyturn/other': () => {
        throw new TypeError('bug');
      },
    };
    const lenient = surface(routes);
    expect(await call(lenient, 'GET', 'range')).toEqual(badRequest('unknown operation: Nope'));
    expect(await call(lenient, 'GET', 'other')).toEqual(badRequest('bug'));

    const strict = surface(routes, {
      onError: (error) => {
        if (error instanceof RangeError) return badRequest(error.message);
        throw error;
      },
    });
    expect(await call(strict, 'GET', 'range')).toEqual(badRequest('unknown operation: Nope'));
    expect(() => call(strict, 'GET', 'other')).toThrow('bug');
  });

  it('refuses a JSON body that is not JSON or not of the shape, with the shape expected', async () => {
    const body = { schema: z.object({ name: z.string() }), expected: '{ "name": string }' };
    const handle = surface({ 'PUT /_keyturn/name': withJsonBody(body, ({ name }) => ok({ name })) });
    expect(await call(handle, 'PUT', 'name', '{"name":"a"}')).toEqual(ok({ name: 'a' }));
    expect(await call(handle, 'PUT', 'name', 'not json')).toEqual(badRequest('expected { "name": string }'));
    expect(await call(handle, 'PUT', 'name', '')).toEqual(badRequest('expected { "name": string }'));
  });

  it('sets a delay in whole milliseconds and a rate per second, echoing what it set', async () => {
    const set: number[] = [];
    const handle = surface({
      'PUT /_keyturn/delay': setMilliseconds((ms) => set.push(ms)),
      'PUT /_keyturn/rate': setPerSecondRate((perSecond) => set.push(perSecond), 'no throttling'),
    });
    expect(await call(handle, 'PUT', 'delay', '{"ms":250}')).toEqual(ok({ ms: 250 }));
    expect(await call(handle, 'PUT', 'delay', '{"ms":2.5}')).toEqual(
      badRequest('expected { "ms": <whole number >= 0> }'),
    );
    expect(await call(handle, 'PUT', 'rate', '{"perSecond":0.5}')).toEqual(ok({ perSecond: 0.5 }));
    expect(await call(handle, 'PUT', 'rate', '{"perSecond":-1}')).toEqual(
      badRequest('expected { "perSecond": <number >= 0, 0 for no throttling> }'),
    );
    expect(set).toEqual([250, 0.5]);
  });

  it('plans, lists and clears faults; a plan that throws refuses the request and plans nothing', async () => {
    const faults = new FakeFaults();
    const body = {
      schema: z.object({ operation: z.string(), count: plannedCallCount() }),
      expected: '{ "operation": string }',
    };
    const handle = surface(
      faultRoutes(faults, body, ({ operation, count }) => {
        if (operation === 'Nope') throw new RangeError(`unknown operation: ${operation}`);
        faults.planned.push({ operation, count });
      }),
    );
    expect(await call(handle, 'POST', 'faults', '{"operation":"Encrypt"}')).toEqual(
      ok({ faults: [{ operation: 'Encrypt', count: 1 }] }),
    );
    expect(await call(handle, 'POST', 'faults', '{"operation":"Nope"}')).toEqual(badRequest('unknown operation: Nope'));
    expect(await call(handle, 'POST', 'faults', '{"count":0}')).toEqual(badRequest('expected { "operation": string }'));
    expect(await call(handle, 'GET', 'faults')).toEqual(ok({ faults: [{ operation: 'Encrypt', count: 1 }] }));
    expect(await call(handle, 'DELETE', 'faults')).toEqual(ok({ faults: [] }));
    expect(faults.pending()).toEqual([]);
  });
});
