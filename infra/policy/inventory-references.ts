import type { MonitoredKey } from '../../functions/freshness-check/monitored-keys';
import type { PolicySecret } from '../../functions/inventory/policy-secrets';
import type { ResolvedPolicy } from './defaults';
import { keyMaxAgeSeconds } from './max-age';

/**
 * What the inventory compares an account with, from the policy: its secret entries (where each secret is) and its
 * keys (where to read each and how old it may grow). The hourly check gets them at synth; `keyturn inventory` from
 * the policy file. One mapping, so both report the same findings.
 */

/** Each secret entry's id and the name or ARN its secret goes by. */
export function policySecretsOf(policy: ResolvedPolicy): PolicySecret[] {
  return policy.entries.map((entry) => ({
    entryId: entry.id,
    secretId: entry.secret.name ?? entry.secret.arn ?? entry.id,
  }));
}

/**
 * The policy's keys as the inventory reads them: by alias where the entry names one (a replacement takes the alias
 * over), else an adopted key's ARN. A key whose schedule bounds no age (a yearly-or-rarer cron) is not watched, as in
 * the hourly check.
 */
export function policyKeysOf(policy: ResolvedPolicy, from?: Date): MonitoredKey[] {
  return policy.keys.flatMap((key) => {
    const keyRef = key.aliasName ?? key.adopt?.arn;
    const maxAgeSeconds = keyMaxAgeSeconds(key, from);
    if (keyRef === undefined || maxAgeSeconds === undefined) return [];
    return [{ entryId: key.id, keyRef, maxAgeSeconds }];
  });
}
