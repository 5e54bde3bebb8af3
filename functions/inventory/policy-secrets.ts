import * as z from 'zod/mini';
import { compressedJsonText, encodeCompressedJson } from '../shared/compressed-json';
import { describeIssues } from '../shared/validation';

/**
 * The policy's secret entries the inventory compares the account with, handed to the hourly check at synth in its
 * environment (as the policy's keys are: functions/freshness-check/monitored-keys.ts says why not tags). Only what the
 * comparison needs: the entry id and where its secret is; owner and kind come from the secret's own tags.
 */
export const POLICY_SECRETS_ENV = 'KEYTURN_INVENTORY_SECRETS';

/** One secret entry of the policy. */
export interface PolicySecret {
  /** The policy entry (`entries[].id`): the secret's `keyturn:entry` tag. */
  readonly entryId: string;
  /** The secret's name or ARN, as the entry names it (`secret.name` or `secret.arn`). */
  readonly secretId: string;
}

/** On the wire: `[entryId, secretId]` pairs, the shortest form (Lambda's environment holds 4 KB in all). */
const policySecretsSchema = z.array(
  z.tuple([z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.minLength(1), z.maxLength(2048))]),
);

/** Thrown when the variable is not what the construct writes: a deployment problem, not a secret's. */
export class PolicySecretsError extends Error {
  override readonly name = 'PolicySecretsError';
}

/** The variable's value for `secrets` (compressed). */
export function encodePolicySecrets(secrets: readonly PolicySecret[]): string {
  return encodeCompressedJson(secrets.map((secret) => [secret.entryId, secret.secretId]));
}

/**
 * The policy's secret entries; undefined when the variable is absent (a check deployed without them compares
 * nothing with the policy), an empty list when it is empty.
 */
export function parsePolicySecrets(value: string | undefined): PolicySecret[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') return [];
  const text = compressedJsonText(value.trim());
  if (text === undefined) throw new PolicySecretsError(`${POLICY_SECRETS_ENV} is not valid compressed JSON`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PolicySecretsError(`${POLICY_SECRETS_ENV} is not valid JSON`);
  }
  const parsed = policySecretsSchema.safeParse(json);
  if (!parsed.success) {
    throw new PolicySecretsError(
      `${POLICY_SECRETS_ENV} is not a list of [entryId, secret] pairs: ` +
        describeIssues(parsed.error.issues, POLICY_SECRETS_ENV),
    );
  }
  return parsed.data.map(([entryId, secretId]) => ({ entryId, secretId }));
}
