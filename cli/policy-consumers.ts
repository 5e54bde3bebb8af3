import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ManagementTag } from '../functions/shared/management-tags';
import { DEFAULT_POLICY_FILE, POLICY_CONTEXT_KEY } from '../infra/policy/policy-file';
import type { ResolvedEntry } from '../infra/policy/defaults';
import { loadPolicy, PolicyError } from '../infra/policy/load-policy';
import type { SecretFacts } from './secrets';

/** Who reads a secret, from its policy entry. */
export interface SecretConsumers {
  /** The policy file read. */
  readonly policyFile: string;
  readonly entryId?: string;
  readonly owner?: string;
  readonly consumers: readonly { readonly name: string; readonly roleArn?: string }[];
  /** Why the consumers are unknown, when they are. */
  readonly note?: string;
}

/**
 * The policy file as the CDK app finds it (infra/app.ts): --policy, else the `policy` context value
 * of ./cdk.json, else the example policy.
 */
export function policyFileFor(option: string | undefined, cwd = process.cwd()): string {
  if (option !== undefined) return option;
  const cdkJson = path.join(cwd, 'cdk.json');
  if (existsSync(cdkJson)) {
    try {
      const context = (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> }).context;
      const named = context?.[POLICY_CONTEXT_KEY];
      if (typeof named === 'string') return named;
    } catch {
      // an unreadable cdk.json: fall back to the default, as the CDK CLI would fail anyway
    }
  }
  return DEFAULT_POLICY_FILE;
}

/** The entry that manages the secret: by its `keyturn:entry` tag, else by the name or ARN the entry names. */
export function entryFor(entries: readonly ResolvedEntry[], secret: SecretFacts): ResolvedEntry | undefined {
  const tagged = secret.tags[ManagementTag.entry];
  return (
    entries.find((entry) => entry.id === tagged) ??
    entries.find((entry) => entry.secret.arn === secret.arn || entry.secret.name === secret.name)
  );
}

/** The consumers the secret's policy entry lists; a missing or invalid policy is a note, not an error. */
export function consumersOf(policyFile: string, secret: SecretFacts): SecretConsumers {
  if (!existsSync(path.resolve(policyFile)))
    return {
      policyFile,
      consumers: [],
      note: `policy file ${policyFile} not found: consumers unknown (pass --policy)`,
    };
  let entries: readonly ResolvedEntry[];
  try {
    entries = loadPolicy(policyFile).entries;
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return { policyFile, consumers: [], note: `policy file ${policyFile} is invalid: consumers unknown` };
  }
  const entry = entryFor(entries, secret);
  if (entry === undefined)
    return { policyFile, consumers: [], note: `no entry of ${policyFile} manages ${secret.name}: consumers unknown` };
  return { policyFile, entryId: entry.id, owner: entry.owner.team, consumers: entry.consumers };
}
