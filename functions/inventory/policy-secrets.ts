import * as z from 'zod/mini';
import { compressedJsonText, encodeCompressedJson } from '../shared/compressed-json';
import { describeIssues } from '../shared/validation';

/**
 * The policy's secret entries the inventory compares the account with, handed to the hourly check at synth in its
 * schedule's input (the Lambda event), under this field. Not in the environment beside the keys: Lambda's 4 KB
 * environment holds a few hundred entries at most, the input as much as an asynchronous invocation carries. Not tags
 * either (functions/freshness-check/monitored-keys.ts says why). Only what the comparison needs: the entry id and
 * where its secret is; owner and kind come from the secret's own tags.
 */
export const POLICY_SECRETS_FIELD = 'policySecrets';

/** Where the value comes from, as messages name it. */
const SOURCE = `the schedule's input ${POLICY_SECRETS_FIELD}`;

/** One secret entry of the policy. */
export interface PolicySecret {
  /** The policy entry (`entries[].id`): the secret's `keyturn:entry` tag. */
  readonly entryId: string;
  /** The secret's name or ARN, as the entry names it (`secret.name` or `secret.arn`). */
  readonly secretId: string;
}

/** On the wire: `[entryId, secretId]` pairs, the shortest form. */
const policySecretsSchema = z.array(
  z.tuple([z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.minLength(1), z.maxLength(2048))]),
);

/** Thrown when the value is not what the construct writes: a deployment problem, not a secret's. */
export class PolicySecretsError extends Error {
  override readonly name = 'PolicySecretsError';
}

/** The field's value for `secrets` (compressed). */
export function encodePolicySecrets(secrets: readonly PolicySecret[]): string {
  return encodeCompressedJson(secrets.map((secret) => [secret.entryId, secret.secretId]));
}

/** The schedule's whole input for `secrets`: the JSON object the function receives as its event. */
export function policySecretsInput(secrets: readonly PolicySecret[]): string {
  return JSON.stringify({ [POLICY_SECRETS_FIELD]: encodePolicySecrets(secrets) });
}

/**
 * The policy's secret entries from the event the schedule invoked the function with; undefined when the event
 * carries none (a schedule deployed without them compares nothing with the policy).
 */
export function policySecretsOfEvent(event: unknown): PolicySecret[] | undefined {
  if (typeof event !== 'object' || event === null || !(POLICY_SECRETS_FIELD in event)) return undefined;
  const value: unknown = (event as Record<string, unknown>)[POLICY_SECRETS_FIELD];
  if (typeof value !== 'string') throw new PolicySecretsError(`${SOURCE} is not a string`);
  return parsePolicySecrets(value);
}

/**
 * The policy's secret entries; undefined when the value is absent (no comparison with the policy), an empty list
 * when it is empty.
 */
export function parsePolicySecrets(value: string | undefined): PolicySecret[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') return [];
  const text = compressedJsonText(value.trim());
  if (text === undefined) throw new PolicySecretsError(`${SOURCE} is not valid compressed JSON`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PolicySecretsError(`${SOURCE} is not valid JSON`);
  }
  const parsed = policySecretsSchema.safeParse(json);
  if (!parsed.success) {
    throw new PolicySecretsError(
      `${SOURCE} is not a list of [entryId, secret] pairs: ` +
        describeIssues(parsed.error.issues, POLICY_SECRETS_FIELD),
    );
  }
  return parsed.data.map(([entryId, secretId]) => ({ entryId, secretId }));
}
