import * as z from 'zod/mini';
import { compressedJsonText, encodeCompressedJson } from '../shared/compressed-json';
import { describeIssues } from '../shared/validation';

/**
 * The policy's KMS keys the freshness check watches, handed over at synth in the function's environment.
 *
 * Why the environment and not tags on the keys: the policy is the truth about which keys must stay fresh and how
 * old they may grow. Tags would have to be found by listing every key of the account (ListKeys, then
 * ListResourceTags per key, on `key/*`), a key whose tags cannot be read would drop out of the check unseen, and
 * keyturn may not tag an adopted key at all (its owner tags it). From the environment, every key the policy names is
 * checked or reported by its entry id, and the function needs nothing beyond reading those keys.
 */
export const MONITORED_KEYS_ENV = 'KEYTURN_FRESHNESS_KEYS';

/** One key of the policy, as the check reads it. */
export interface MonitoredKey {
  /** The policy entry (`keys[].id`): what every log line and report names. */
  readonly entryId: string;
  /**
   * Where to read the key: its alias when the entry names one (so a replaced key is followed to the key consumers
   * use now), otherwise its ARN.
   */
  readonly keyRef: string;
  /** How long after its last rotation the key counts as overdue (infra/policy/max-age.ts). */
  readonly maxAgeSeconds: number;
}

const monitoredKeysSchema = z.array(
  z.object({
    entryId: z.string().check(z.minLength(1), z.maxLength(63)),
    keyRef: z.string().check(
      z.maxLength(2048),
      z.refine((ref) => ref.startsWith('alias/') || ref.startsWith('arn:'), 'must be alias/… or a key ARN'),
    ),
    maxAgeSeconds: z.int().check(z.minimum(1)),
  }),
);

/** Thrown when the variable is not what the construct writes: a deployment problem, not a key's. */
export class MonitoredKeysError extends Error {
  override readonly name = 'MonitoredKeysError';
}

/** The variable's value for `keys` (compressed: the environment holds 4 KB in all). */
export function encodeMonitoredKeys(keys: readonly MonitoredKey[]): string {
  return encodeCompressedJson(keys);
}

/** The keys to check: none when the variable is absent or empty (a policy without keys). */
export function parseMonitoredKeys(value: string | undefined): MonitoredKey[] {
  if (value === undefined || value.trim() === '') return [];
  const text = compressedJsonText(value.trim());
  if (text === undefined) throw new MonitoredKeysError(`${MONITORED_KEYS_ENV} is not valid compressed JSON`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MonitoredKeysError(`${MONITORED_KEYS_ENV} is not valid JSON`);
  }
  const parsed = monitoredKeysSchema.safeParse(json);
  if (!parsed.success) {
    throw new MonitoredKeysError(
      `${MONITORED_KEYS_ENV} is not a list of keys: ${describeIssues(parsed.error.issues, MONITORED_KEYS_ENV)}`,
    );
  }
  return parsed.data;
}
