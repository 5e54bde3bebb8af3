import { describeError } from '../../shared/errors';
import type { SecretVersion } from '../../shared/secret-store';
import { AWSCURRENT } from '../../shared/stages';
import { abandonedRotations } from '../abandoned-rotations';
import { usageWindowStart } from '../recent-use';
import { InvalidSecretValueError, PendingCredentialRejectedError, RevokeRefusedError } from '../errors';
import { parseJsonObject } from '../json-value';
import type {
  PendingValueSink,
  RevokeResult,
  RotationStrategy,
  RotationVersions,
  StrategyContext,
  UsageReport,
  VerifyResult,
} from '../strategy';
import { fetchSend, ProviderClient, type HttpSend } from './client';
import { AdminCredentialError, ProviderKeyCapError, RevokeNotEffectiveError } from './errors';
import { ProviderApi, type ApiKey, type ListedKey } from './provider-api';
import { HTTP_PROVIDERS_ENV, parseCustomSpecs, resolveProvider } from './provider-config';
import type { ProviderSpec } from './spec';
import { keyNameFor, parseApiKeySecret, withKey, type ApiKeySecret } from './secret';

/**
 * # http-api-key: a key a provider's HTTP API issues, rotated at the provider
 *
 * - createSecret (issuePendingValue): lists the account's keys (the provider's cap), creates ONE key named
 *   `keyturn-<rotation token>` and stores it as AWSPENDING at once (its value is shown once). A key an earlier
 *   attempt of the same rotation created and never stored carries the same name: once this attempt's key is
 *   stored, no other key can ever be stored under the token, so those are revoked then (and again at setSecret,
 *   should that fail). A twin invocation whose store loses the race revokes its own key. Keys of rotations an
 *   operator gave up before they became AWSCURRENT (abandoned-rotations.ts) are revoked too.
 * - setSecret: nothing to apply at the provider (the key exists); finishes the orphan clean-up.
 * - testSecret / verify: the spec's verify call made WITH the key, retried while a new key propagates.
 * - usage: the provider's last-used date for the old key where the list has one (used in the last hour after
 *   the switch: recent-use.ts), else `unknown`.
 * - revoke (after grace and drain, in the lifecycle): revokes the old key by id (404/410: already gone), then
 *   checks the provider rejects it.
 */
export const HTTP_API_KEY_STRATEGY = 'http-api-key' as const;

export interface HttpApiKeyStrategyOptions {
  /** How requests are sent. @default Node's fetch */
  readonly send?: HttpSend;
  /** Users' provider specs as JSON (an array). @default process.env.KEYTURN_HTTP_PROVIDERS, read on first use */
  readonly customSpecsJson?: () => string | undefined;
}

export function createHttpApiKeyStrategy(options: HttpApiKeyStrategyOptions = {}): RotationStrategy {
  const send = options.send ?? fetchSend;
  const readCustom = options.customSpecsJson ?? (() => process.env[HTTP_PROVIDERS_ENV]);
  let custom: ReadonlyMap<string, ProviderSpec> | undefined;

  /**
   * The provider API for a secret: its spec from the tags, and the admin credential read from its secret unless
   * only the verify call is made (always authenticated by the key itself).
   */
  async function providerFor(secret: ApiKeySecret, ctx: StrategyContext, onlyVerify = false): Promise<ProviderApi> {
    custom ??= parseCustomSpecs(readCustom());
    const { spec, adminSecretArn } = resolveProvider(ctx.tags, custom);
    const admin = adminSecretArn === undefined || onlyVerify ? undefined : await readAdmin(adminSecretArn, ctx);
    const client = new ProviderClient(spec, send, ctx.deadline);
    return new ProviderApi(client, { secret: secret.fields, token: ctx.token, ...(admin ? { admin } : {}) });
  }

  /** Revokes keys nobody can read (`what` says whose, for the log); a failure is left for a later attempt. */
  async function revokeOrphans(
    api: ProviderApi,
    orphans: readonly ListedKey[],
    ctx: StrategyContext,
    what = 'keys created by earlier attempts of this rotation and never stored',
  ): Promise<number> {
    let revoked = 0;
    for (const orphan of orphans) {
      try {
        await api.revoke(orphan.id);
        revoked++;
      } catch (error) {
        // Left for setSecret or the next attempt: the key was never stored, so nobody uses it.
        ctx.logger.warn(`could not revoke one of the ${what}`, {
          keyId: orphan.id,
          reason: describeError(error),
        });
      }
    }
    if (orphans.length > 0) {
      ctx.logger.info(`${what}: revoked`, {
        provider: api.provider,
        revoked,
        keyIds: orphans.map((o) => o.id),
      });
    }
    return revoked;
  }

  /**
   * Keys named for another version of THIS secret that only abandoned rotations hold, or none: a rotation an
   * operator gave up (AWSPENDING cleared, a new token started) after its create reached the provider, whether or
   * not it stored the key. No client reading AWSCURRENT was ever given them (abandoned-rotations.ts), and no
   * rotation will ever promote them. Version ids are this secret's own, so another secret's keys in the same
   * account never match. Run once this attempt's key is stored.
   */
  async function revokeAbandoned(api: ProviderApi, keys: readonly ListedKey[], ctx: StrategyContext): Promise<number> {
    const all = await ctx.store.listVersions(ctx.secretArn);
    const versions = all.filter((v) => v.versionId !== ctx.token);
    const byName = new Map(versions.map((v) => [keyNameFor(v.versionId), v.versionId]));
    const candidates = keys.filter((k) => byName.has(k.name));
    if (candidates.length === 0) return 0;
    const given = new Set(abandonedRotations(all, ctx.token).map((r) => r.versionId));
    const held = new Set<string>();
    for (const summary of versions) {
      if (given.has(summary.versionId)) continue;
      const version = await ctx.store.getVersion(ctx.secretArn, { versionId: summary.versionId });
      if (!version) continue; // a placeholder whose createSecret never stored a key
      try {
        held.add(parseApiKeySecret(version, `version ${summary.versionId}`).keyId);
      } catch {
        // a version of another shape holds no key
      }
    }
    const abandoned = candidates.filter((k) => !held.has(k.id));
    if (abandoned.length === 0) return 0;
    return revokeOrphans(
      api,
      abandoned,
      ctx,
      'keys of rotations of this secret given up before they became AWSCURRENT',
    );
  }

  return {
    name: HTTP_API_KEY_STRATEGY,

    createPendingValue: () =>
      Promise.reject(
        new InvalidSecretValueError(
          'an http-api-key value is issued by the provider: createSecret calls issuePendingValue',
        ),
      ),

    async issuePendingValue(current: SecretVersion, ctx: StrategyContext, sink: PendingValueSink): Promise<boolean> {
      const secret = parseApiKeySecret(current, 'current');
      const api = await providerFor(secret, ctx);
      const name = keyNameFor(ctx.token);
      const cap = api.maxKeys;
      let keys = await api.list();
      // At the cap, abandoned rotations' keys make room first (they go once this key is stored in any case).
      if (cap !== undefined && keys.length >= cap && (await revokeAbandoned(api, keys, ctx)) > 0)
        keys = await api.list();
      const earlier = keys.filter((k) => k.name === name);
      if (cap !== undefined && keys.length >= cap) {
        throw new ProviderKeyCapError(
          `${api.provider} list keys: the account holds ${keys.length} keys, the provider's maximum is ${cap}: ` +
            'keyturn created none; revoke keys nobody uses' +
            (earlier.length
              ? ` (${earlier.length} of them, named ${name}, were left by a failed attempt of this rotation)`
              : ''),
        );
      }
      const created = await api.create(name);
      const value = withKey(secret, created);
      ctx.logger.info('new key created at the provider', { provider: api.provider, keyId: created.keyId });
      try {
        await sink.store(value);
      } catch (storeError) {
        const stored = await sink.stored().then(
          (v) => ({ known: true as const, value: v }),
          () => ({ known: false as const }),
        );
        if (!stored.known) throw storeError; // Unknown whether it was stored: the key stays, cleaned up once it is.
        if (stored.value !== value) {
          // Never stored (or a twin stored its own first): nobody can ever read this key; revoke it now.
          await api.revoke(created.keyId).catch((error: unknown) => {
            ctx.logger.warn('could not revoke the key this attempt created and could not store', {
              keyId: created.keyId,
              reason: describeError(error),
            });
          });
          if (stored.value === undefined) throw storeError;
          ctx.logger.info('a twin invocation stored its key first: this one revoked its own', { keyId: created.keyId });
          return false;
        }
      }
      await revokeOrphans(api, earlier, ctx);
      await revokeAbandoned(api, keys, ctx);
      return true;
    },

    async setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const pending = parseApiKeySecret(versions.pending, 'pending');
      const api = await providerFor(pending, ctx);
      const name = keyNameFor(versions.pending.versionId);
      const orphans = (await api.list()).filter((k) => k.name === name && k.id !== pending.keyId);
      await revokeOrphans(api, orphans, ctx);
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const pending = parseApiKeySecret(versions.pending, 'pending');
      const current = parseApiKeySecret(versions.current, 'current');
      if (pending.keyId === current.keyId) {
        throw new PendingCredentialRejectedError(
          `the pending key has the current key's id ${current.keyId}: it is not a new key`,
        );
      }
      const api = await providerFor(pending, ctx, true);
      const { check, waitedMs } = await api.waitFor(pending, 'accepted', ctx.deadline);
      if (!check.accepted) {
        throw new PendingCredentialRejectedError(
          `${api.provider} verify key: the new key ${pending.keyId} is not accepted (HTTP ${check.status}) after waiting ${waitedMs} ms`,
        );
      }
    },

    async verify(credential: SecretVersion, ctx: StrategyContext): Promise<VerifyResult> {
      const key = parseApiKeySecret(credential, 'verified');
      const api = await providerFor(key, ctx, true);
      const { check } = await api.waitFor(key, 'accepted', ctx.deadline);
      return check.accepted
        ? { ok: true }
        : {
            ok: false,
            failure: 'rejected',
            reason: `${api.provider} does not accept key ${key.keyId} (HTTP ${check.status})`,
          };
    },

    async usage(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext): Promise<UsageReport> {
      const oldKey = parseApiKeySecret(old, 'old');
      const api = await providerFor(parseApiKeySecret(replacement, 'replacement'), ctx);
      const listed = (await api.list()).find((k) => k.id === oldKey.keyId);
      if (!listed) {
        return { inUse: false, evidence: `${api.provider} lists no key ${oldKey.keyId}: it was already revoked` };
      }
      if (listed.lastUsed === undefined) {
        return { inUse: 'unknown', evidence: `${api.provider} does not report when a key was last used` };
      }
      if (listed.lastUsed === null) {
        return { inUse: false, evidence: `${api.provider} reports key ${oldKey.keyId} as never used` };
      }
      const stored = replacement.createdAt;
      const used = listed.lastUsed.toISOString();
      if (!stored)
        return {
          inUse: 'unknown',
          evidence: `key ${oldKey.keyId} was last used ${used}; the new version has no creation time`,
        };
      const from = usageWindowStart(stored, new Date());
      const window = `since ${from.toISOString()} (the later of the new key's storing at ${stored.toISOString()} and an hour ago)`;
      return listed.lastUsed.getTime() >= from.getTime()
        ? {
            inUse: true,
            evidence: `${api.provider} reports key ${oldKey.keyId} last used ${used}: used ${window}`,
          }
        : {
            inUse: false,
            evidence:
              `${api.provider} reports key ${oldKey.keyId} last used ${used}: not used ${window}; ` +
              "the provider's own granularity applies",
          };
    },

    async revoke(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext): Promise<RevokeResult> {
      const oldKey = parseApiKeySecret(old, 'old');
      const newKey = parseApiKeySecret(replacement, 'replacement');
      if (oldKey.keyId === newKey.keyId || oldKey.apiKey === newKey.apiKey) {
        throw new RevokeRefusedError(
          `the old and the replacement value hold the same key ${oldKey.keyId}: nothing is revoked`,
        );
      }
      const api = await providerFor(newKey, ctx);
      const outcome = await api.revoke(oldKey.keyId);
      const { check } = await api.waitFor(oldKey, 'rejected', ctx.deadline);
      if (check.accepted) {
        throw new RevokeNotEffectiveError(`${api.provider} still accepts key ${oldKey.keyId} after revoking it`);
      }
      ctx.logger.info('old key revoked at the provider', { provider: api.provider, keyId: oldKey.keyId, outcome });
      return {
        status: 'revoked',
        confirmedRejected: true,
        detail:
          (outcome === 'revoked'
            ? `${api.provider} key ${oldKey.keyId} was revoked`
            : `${api.provider} key ${oldKey.keyId} was already gone`) + ` and is rejected (HTTP ${check.status})`,
      };
    },
  };
}

/** The admin credential: a JSON object whose fields the spec's `{admin.*}` templates read. */
async function readAdmin(arn: string, ctx: StrategyContext): Promise<Record<string, unknown>> {
  const version = await ctx.store.getVersion(arn, { stage: AWSCURRENT }).catch((error: unknown) => {
    throw new AdminCredentialError(`the admin credential's secret ${arn} cannot be read: ${describeError(error)}`);
  });
  if (!version) throw new AdminCredentialError(`the admin credential's secret ${arn} has no AWSCURRENT value`);
  try {
    return parseJsonObject(version.value, 'admin credential');
  } catch (error) {
    throw new AdminCredentialError(`the admin credential's secret ${arn}: ${(error as Error).message}`);
  }
}

export type { ApiKey };
