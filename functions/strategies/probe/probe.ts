import { InvalidStrategyOptionError } from '../errors';
import { TAG_PREFIX } from '../tag-options';
import { readOnlyRedisProblem } from './read-only-redis';
import { readOnlySqlProblem, type SqlDialect } from './read-only-sql';

/**
 * An entry's probe: one read-only check the new credential must pass in testSecret and in the
 * lifecycle's Verify, proving it can do (part of) the consumer's job, not only log in. The
 * policy writes it to the secret as a tag; both sides check it with the same functions.
 */
export type Probe = { readonly sql: string } | { readonly redis: readonly string[] };

/**
 * base64 of the probe's JSON: SQL needs characters a tag value cannot hold (tags allow letters,
 * digits, spaces and `_.:/=+-@`), and base64's alphabet is within them.
 */
export const PROBE_TAG = `${TAG_PREFIX}probe-base64`;

/** Secrets Manager's limit on a tag value. */
const MAX_TAG_VALUE_LENGTH = 256;

export type ProbeTarget = { readonly engine: 'sql'; readonly dialect: SqlDialect } | { readonly engine: 'redis' };

/** What is wrong with `probe` for a target, or undefined when keyturn may run it. */
export function probeProblem(probe: Probe, target: ProbeTarget): string | undefined {
  const problem = 'sql' in probe ? sqlProbeProblem(probe.sql, target) : redisProbeProblem(probe.redis, target);
  if (problem) return problem;
  const encoded = encodeProbe(probe);
  return encoded.length > MAX_TAG_VALUE_LENGTH
    ? `takes ${encoded.length} characters encoded; a tag holds ${MAX_TAG_VALUE_LENGTH}: shorten it`
    : undefined;
}

function sqlProbeProblem(sql: string, target: ProbeTarget): string | undefined {
  if (target.engine !== 'sql') return 'is SQL, but this kind of secret takes a Redis command (`redis: [...]`)';
  return readOnlySqlProblem(sql, target.dialect);
}

function redisProbeProblem(command: readonly string[], target: ProbeTarget): string | undefined {
  if (target.engine !== 'redis') return 'is a Redis command, but this kind of secret takes SQL (`sql: "SELECT ..."`)';
  return readOnlyRedisProblem(command);
}

export function encodeProbe(probe: Probe): string {
  return Buffer.from(JSON.stringify(probe), 'utf8').toString('base64');
}

/**
 * The secret's probe, checked again before use (anyone allowed to tag the secret could have
 * changed it): undefined without the tag; InvalidStrategyOptionError when it is unreadable or
 * not one read-only statement for this target.
 */
export function probeFromTags(tags: Readonly<Record<string, string>>, target: ProbeTarget): Probe | undefined {
  const encoded = tags[PROBE_TAG]?.trim();
  if (encoded === undefined || encoded === '') return undefined;
  let probe: Probe;
  try {
    probe = parseProbeJson(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')));
  } catch {
    throw new InvalidStrategyOptionError(
      `tag ${PROBE_TAG} is not base64 of a probe ({"sql": "..."} or {"redis": [...]})`,
    );
  }
  const problem = probeProblem(probe, target);
  if (problem) throw new InvalidStrategyOptionError(`the probe in tag ${PROBE_TAG} ${problem}`);
  return probe;
}

function parseProbeJson(value: unknown): Probe {
  if (typeof value === 'object' && value !== null) {
    const { sql, redis } = value as { sql?: unknown; redis?: unknown };
    if (typeof sql === 'string' && redis === undefined) return { sql };
    if (Array.isArray(redis) && sql === undefined && redis.every((a): a is string => typeof a === 'string')) {
      return { redis };
    }
  }
  throw new SyntaxError('not a probe');
}

/** A probe in words for errors and audit events: the statement or command itself (the policy's text, never a secret). */
export function describeProbe(probe: Probe): string {
  return 'sql' in probe ? `probe "${probe.sql}"` : `probe "${probe.redis.join(' ')}"`;
}
