import { sleepWithin, waitBudgetMs, type Deadline } from '../../shared/deadline';
import type { ProviderClient } from './client';
import { KeyIdentityMismatchError, ProviderResponseError } from './errors';
import { resolvePointer, stringAt } from './json-pointer';
import { renderString, type TemplateValues } from './template';

/** A key as the provider lists it (never its value: lists do not show it). */
export interface ListedKey {
  readonly id: string;
  readonly name: string;
  /** Absent: the provider does not say; null: never used. */
  readonly lastUsed?: Date | null;
}

/** A key: its value and its id. */
export interface ApiKey {
  readonly apiKey: string;
  readonly keyId: string;
}

export type KeyCheck = { readonly accepted: true } | { readonly accepted: false; readonly status: number };

/** Defaults of the verify call's propagation wait. */
const DEFAULT_PROPAGATION = { maxWaitMs: 10_000, intervalMs: 1_000 };
const DEFAULT_LIST_PAGES = 10;

/**
 * The four calls of a provider spec, on a {@link ProviderClient}. `values` carries what every template may use
 * (the rotated secret's other fields, the admin credential); each call adds its own (`name`, `id`, `key`).
 */
export class ProviderApi {
  constructor(
    private readonly client: ProviderClient,
    private readonly values: TemplateValues,
  ) {}

  get provider(): string {
    return this.client.provider;
  }

  /** The most keys the provider allows on an account, where the spec says. */
  get maxKeys(): number | undefined {
    return this.client.spec.maxKeys;
  }

  private get spec() {
    return this.client.spec;
  }

  /** Creates a key named `name`: its value (shown once) and id. */
  async create(name: string): Promise<ApiKey> {
    const call = this.spec.create;
    const response = await this.client.call('create key', call, { ...this.values, name });
    this.client.expectStatus('create key', call, response, [200, 201]);
    const body = this.client.json('create key', response);
    const apiKey = stringAt(body, call.valuePointer);
    const keyId = stringAt(body, call.idPointer);
    if (!apiKey || !keyId) {
      const missing = [
        !apiKey ? `the key's value (${call.valuePointer})` : '',
        !keyId ? `its id (${call.idPointer})` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      throw new ProviderResponseError(
        `${this.provider} create key: HTTP ${response.status} without ${missing}; ` +
          'the key may exist at the provider: the next attempt finds it by name and revokes it',
      );
    }
    return { apiKey, keyId };
  }

  /** Every key on the account, following next-page links up to the spec's page limit. */
  async list(): Promise<ListedKey[]> {
    const call = this.spec.list;
    const keys: ListedKey[] = [];
    let next: string | undefined;
    for (let page = 0; page < (call.maxPages ?? DEFAULT_LIST_PAGES); page++) {
      const response = await this.client.call('list keys', call, this.values, next);
      this.client.expectStatus('list keys', call, response, [200]);
      const body = this.client.json('list keys', response);
      const items = resolvePointer(body, call.itemsPointer);
      if (!Array.isArray(items)) {
        throw new ProviderResponseError(`${this.provider} list keys: HTTP 200 without a list at ${call.itemsPointer}`);
      }
      for (const item of items) {
        const id = stringAt(item, call.idPointer);
        const name = stringAt(item, call.namePointer) ?? '';
        if (id === undefined)
          throw new ProviderResponseError(`${this.provider} list keys: an item has no id at ${call.idPointer}`);
        keys.push({
          id,
          name,
          ...(call.lastUsedPointer === undefined ? {} : { lastUsed: dateAt(item, call.lastUsedPointer) }),
        });
      }
      const link = call.nextPointer === undefined ? undefined : stringAt(body, call.nextPointer);
      if (!link) return keys;
      next = this.client.resolve('list keys', link).href;
    }
    return keys;
  }

  /** Revokes key `id`: 'already-gone' when the provider says it does not exist (404/410 by default). */
  async revoke(id: string): Promise<'revoked' | 'already-gone'> {
    const call = this.spec.revoke;
    const response = await this.client.call('revoke key', call, { ...this.values, id });
    if ((call.goneStatus ?? [404, 410]).includes(response.status)) return 'already-gone';
    this.client.expectStatus('revoke key', call, response, [200, 202, 204]);
    return 'revoked';
  }

  /**
   * One verify call made with `key`: accepted, or rejected with the status. A key accepted as another identity
   * (where the spec says how to tell) is an error, as is any status the spec does not expect.
   */
  async check(key: ApiKey): Promise<KeyCheck> {
    const call = this.spec.verify;
    const values: TemplateValues = { ...this.values, key };
    const response = await this.client.call('verify key', call, values);
    if ((call.rejectedStatus ?? [401, 403]).includes(response.status))
      return { accepted: false, status: response.status };
    this.client.expectStatus('verify key', call, response, call.okStatus ?? [200]);
    if (call.expect === undefined && call.identity === undefined) return { accepted: true };
    const body = this.client.json('verify key', response);
    if (call.expect !== undefined && resolvePointer(body, call.expect.pointer) !== call.expect.equals) {
      return { accepted: false, status: response.status };
    }
    if (call.identity !== undefined) {
      const actual = stringAt(body, call.identity.pointer);
      const expected = renderString(call.identity.equals, values);
      if (actual !== expected) {
        throw new KeyIdentityMismatchError(
          `${this.provider} verify key: key ${key.keyId} authenticates as ${actual === undefined ? 'an unnamed identity' : `"${actual.slice(0, 64)}"`}, ` +
            `not as "${expected.slice(0, 64)}" (${call.identity.pointer}): the secret's keyId and apiKey do not belong together`,
        );
      }
    }
    return { accepted: true };
  }

  /**
   * Checks `key` until it is `want`ed (accepted, or rejected) or the spec's propagation wait is spent, never
   * past the deadline: a new key may take a moment to work, a revoked one a moment to stop.
   */
  async waitFor(
    key: ApiKey,
    want: 'accepted' | 'rejected',
    deadline: Deadline,
  ): Promise<{ check: KeyCheck; waitedMs: number }> {
    const { maxWaitMs, intervalMs } = this.spec.verify.propagation ?? DEFAULT_PROPAGATION;
    let waitedMs = 0;
    for (;;) {
      const check = await this.check(key);
      if (check.accepted === (want === 'accepted')) return { check, waitedMs };
      if (waitedMs + intervalMs > maxWaitMs || intervalMs > waitBudgetMs(deadline)) return { check, waitedMs };
      await sleepWithin(
        deadline,
        intervalMs,
        `${this.provider} to ${want === 'accepted' ? 'accept a new' : 'reject a revoked'} key`,
      );
      waitedMs += intervalMs;
    }
  }
}

function dateAt(item: unknown, pointer: string): Date | null {
  const value = resolvePointer(item, pointer);
  if (typeof value !== 'string' || value === '') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at);
}
