import { InvalidSecretValueError, UnknownStrategyError } from './errors';
import type { HttpSend } from './http/client';
import { createHttpApiKeyStrategy } from './http/strategy';
import { createIamAccessKeyStrategy } from './iam/access-key';
import type { IamAccess } from './iam/iam-api';
import { createAwsIamAccess } from './iam/iam-client';
import { createMysqlAlternatingUsersStrategy } from './mysql/alternating-users';
import { loginToMysql, type MysqlLogin } from './mysql/connection';
import { createMysqlSingleUserStrategy } from './mysql/single-user';
import { createPostgresAlternatingUsersStrategy } from './postgres/alternating-users';
import { loginToPostgres, type PostgresLogin } from './postgres/connection';
import { createPostgresSingleUserStrategy } from './postgres/single-user';
import { randomStrategy } from './random';
import { connectToRedis, type RedisConnect } from './redis/connection';
import { createElastiCacheUserStrategy } from './redis/elasticache-user';
import { createRedisUserStrategy } from './redis/user';
import { STRATEGY_NAMES, type RotationStrategy, type StrategyName } from './strategy';
import { STRATEGY_TAG } from './tag-options';
import { SERVER_TARGETS, serverTarget, type ServerStrategyName, type ServerTarget } from './targets';

export type StrategyRegistry = Readonly<Record<StrategyName, RotationStrategy>>;

/** Clients the strategies talk to their targets with; tests may pass their own. */
export interface StrategyClients {
  readonly postgresLogin?: PostgresLogin;
  readonly mysqlLogin?: MysqlLogin;
  readonly redisConnect?: RedisConnect;
  /** IAM and STS for `iam-access-key`. @default the AWS SDK's, loaded on first use */
  readonly iam?: IamAccess;
  /** How http-api-key sends its requests. @default Node's fetch */
  readonly httpSend?: HttpSend;
}

export function createStrategyRegistry(clients: StrategyClients = {}): StrategyRegistry {
  const postgresLogin = clients.postgresLogin ?? loginToPostgres;
  const mysqlLogin = clients.mysqlLogin ?? loginToMysql;
  return {
    random: randomStrategy,
    'postgres-single-user': createPostgresSingleUserStrategy(postgresLogin),
    'postgres-alternating-users': createPostgresAlternatingUsersStrategy(postgresLogin),
    'mysql-single-user': createMysqlSingleUserStrategy(mysqlLogin),
    'mysql-alternating-users': createMysqlAlternatingUsersStrategy(mysqlLogin),
    'redis-user': createRedisUserStrategy(clients.redisConnect ?? connectToRedis),
    'elasticache-user': createElastiCacheUserStrategy(clients.redisConnect ?? connectToRedis),
    'iam-access-key': createIamAccessKeyStrategy(clients.iam ?? createAwsIamAccess()),
    'http-api-key': createHttpApiKeyStrategy({ send: clients.httpSend }),
  };
}

/**
 * AWS's `engine` field → the strategy for one user and the one for alternating users
 * (chosen by the presence of `masterarn`, as AWS's own functions do). A target whose only
 * strategy uses a master (Redis) has no single-user strategy.
 */
const ENGINE_STRATEGIES = new Map<string, { single?: StrategyName; withMaster?: StrategyName }>();
for (const [name, target] of Object.entries(SERVER_TARGETS) as [ServerStrategyName, ServerTarget][]) {
  for (const engine of target.engines) {
    const entry = ENGINE_STRATEGIES.get(engine) ?? {};
    ENGINE_STRATEGIES.set(engine, target.usesMaster ? { ...entry, withMaster: name } : { ...entry, single: name });
  }
}

function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** The `engine` and `masterarn` fields of a JSON secret; nothing for a plain string. */
function engineFields(value: string): { json: boolean; engine?: string; hasMaster: boolean } {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null) return { json: false, hasMaster: false };
    const { engine, masterarn } = parsed as { engine?: unknown; masterarn?: unknown };
    const found = typeof engine === 'string' ? engine : undefined;
    return { json: true, engine: found, hasMaster: typeof masterarn === 'string' };
  } catch {
    return { json: false, hasMaster: false };
  }
}

/**
 * The strategy for a secret: its `keyturn:strategy` tag if set, else its AWS `engine`
 * field. A tag that contradicts the engine is an error, not a guess.
 */
export function selectStrategy(
  registry: StrategyRegistry,
  tags: Readonly<Record<string, string>>,
  currentValue: string,
): RotationStrategy {
  const { json, engine, hasMaster } = engineFields(currentValue);
  const tagged = tags[STRATEGY_TAG]?.trim();
  if (tagged !== undefined) {
    if (!isStrategyName(tagged)) {
      throw new UnknownStrategyError(
        `tag ${STRATEGY_TAG} is "${tagged.slice(0, 60)}": expected one of ${STRATEGY_NAMES.join(', ')}`,
      );
    }
    const engines = serverTarget(tagged)?.engines;
    if (engines !== undefined && !json) {
      throw new InvalidSecretValueError(
        `strategy ${tagged} needs a JSON secret value, and the value is not valid JSON`,
      );
    }
    if (engines !== undefined && (engine === undefined || !engines.includes(engine))) {
      throw new InvalidSecretValueError(
        `strategy ${tagged} needs "engine": ${engines.map((e) => `"${e}"`).join(' or ')} in the secret, found ${engine === undefined ? 'none' : `"${engine.slice(0, 40)}"`}`,
      );
    }
    return registry[tagged];
  }
  if (engine === undefined) {
    throw new UnknownStrategyError(
      `the secret has no ${STRATEGY_TAG} tag and no "engine" field: nothing says how to rotate it`,
    );
  }
  const strategies = ENGINE_STRATEGIES.get(engine);
  if (!strategies) {
    throw new UnknownStrategyError(
      `engine "${engine.slice(0, 40)}" is not supported; supported: ${[...ENGINE_STRATEGIES.keys()].join(', ')}`,
    );
  }
  const chosen = hasMaster ? (strategies.withMaster ?? strategies.single) : strategies.single;
  if (chosen === undefined) {
    throw new InvalidSecretValueError(
      `engine "${engine}" is rotated through a master user: the secret needs "masterarn", the ARN of the master's secret`,
    );
  }
  return registry[chosen];
}
