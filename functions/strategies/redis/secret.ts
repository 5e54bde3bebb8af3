import * as z from 'zod/mini';
import { describeIssues } from '../../shared/validation';
import { databasePortSchema, databaseSslSchema } from '../database/secret-fields';
import { InvalidSecretValueError } from '../errors';
import { parseJsonObject } from '../json-value';

export const REDIS_ENGINE = 'redis';
export const DEFAULT_REDIS_PORT = 6379;

/** The secret shape of a Redis ACL user, after AWS's database secrets (engine, host, port, username, password, ssl, masterarn). */
const redisSecretSchema = z.looseObject({
  engine: z.literal(REDIS_ENGINE),
  host: z.string().check(z.minLength(1)),
  port: z.optional(databasePortSchema),
  username: z.string().check(
    z.minLength(1),
    // Redis itself refuses such names ("Usernames can't contain spaces or null characters").
    z.refine((name) => !/[\s\0]/.test(name), { message: 'must not contain whitespace or NUL (Redis refuses them)' }),
  ),
  password: z.string().check(z.minLength(1)),
  ssl: z.optional(databaseSslSchema),
  masterarn: z.optional(z.string().check(z.minLength(1))),
});

export interface RedisSecret {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly ssl: boolean;
  readonly masterarn?: string;
  /** Every field of the stored JSON, so a new version keeps fields keyturn does not know. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Parses a Redis user secret; errors name the version and the fields, never their values. */
export function parseRedisSecret(value: string, versionLabel: string): RedisSecret {
  const fields = parseJsonObject(value, versionLabel);
  const result = redisSecretSchema.safeParse(fields);
  if (!result.success) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value is not a Redis user secret (${describeIssues(result.error.issues, 'value')})`,
    );
  }
  const s = result.data;
  return {
    host: s.host,
    port: s.port ?? DEFAULT_REDIS_PORT,
    username: s.username,
    password: s.password,
    ssl: s.ssl ?? false,
    masterarn: s.masterarn,
    fields,
  };
}

export function describeRedisTarget(secret: Pick<RedisSecret, 'host' | 'port'>): string {
  return `${secret.host}:${secret.port}`;
}

export function sameRedisServer(a: RedisSecret, b: RedisSecret): boolean {
  return a.host === b.host && a.port === b.port;
}

/** Same server, same TLS setting, same user: a new version may change only the password. */
export function sameRedisUser(a: RedisSecret, b: RedisSecret): boolean {
  return sameRedisServer(a, b) && a.ssl === b.ssl && a.username === b.username;
}
