import type { UnrotatedSecret } from './secrets';

/**
 * What a secret probably holds, guessed from its metadata only (tags, name, description): discover never reads a
 * value, so a guess is a guess, and the proposed entry says so. An `engine` tag (AWS's database secret shape
 * names the engine, and people tag it too) wins over words in the name or description.
 */
export type SecretGuess =
  | { readonly kind: 'postgres' | 'mysql'; readonly from: string }
  | { readonly kind: 'database'; readonly from: string }
  | { readonly kind: 'unsupported-engine'; readonly engine: string; readonly from: string }
  | { readonly kind: 'redis'; readonly from: string }
  | { readonly kind: 'unknown' };

const POSTGRES = /^(postgres|postgresql|aurora-postgresql|pg)$/;
const MYSQL = /^(mysql|mariadb|aurora-mysql)$/;
const REDIS = /^(redis|valkey|elasticache|memorydb)$/;
/** Engines of AWS's database secret shape that keyturn has no strategy for. */
const UNSUPPORTED = /^(oracle|sqlserver|redshift|mongo|mongodb|db2|documentdb|neptune)$/;
/** The Secrets Manager console names its RDS credentials secrets `rds-db-credentials/…`. */
const CONSOLE_DATABASE_NAME = /^rds-db-credentials\//;
const DATABASE_WORD = /^(db|database|rds)$/;

export function guessSecretKind(secret: UnrotatedSecret): SecretGuess {
  const engineTag = Object.entries(secret.tags).find(([key]) => key.toLowerCase() === 'engine');
  if (engineTag) {
    const engine = engineTag[1].toLowerCase();
    const fromEngine = byWord(engine, `its tag ${engineTag[0]}=${engineTag[1]}`);
    if (fromEngine) return fromEngine;
  }
  for (const [text, where] of [
    [secret.name, 'its name'],
    [secret.description ?? '', 'its description'],
  ] as const) {
    // Whole tokens first (`aurora-postgresql`), then their hyphenated parts (`orders-postgres`).
    const tokens = text.toLowerCase().split(/[^a-z0-9-]+/);
    for (const word of [...tokens, ...tokens.flatMap((token) => token.split('-'))]) {
      const guess = byWord(word, `"${word}" in ${where}`);
      if (guess) return guess;
    }
  }
  if (CONSOLE_DATABASE_NAME.test(secret.name)) return { kind: 'database', from: 'its name (rds-db-credentials/…)' };
  for (const word of secret.name.toLowerCase().split(/[^a-z0-9]+/)) {
    if (DATABASE_WORD.test(word)) return { kind: 'database', from: `"${word}" in its name` };
  }
  return { kind: 'unknown' };
}

function byWord(word: string, from: string): SecretGuess | undefined {
  if (POSTGRES.test(word)) return { kind: 'postgres', from };
  if (MYSQL.test(word)) return { kind: 'mysql', from };
  if (REDIS.test(word)) return { kind: 'redis', from };
  if (UNSUPPORTED.test(word)) return { kind: 'unsupported-engine', engine: word, from };
  return undefined;
}
