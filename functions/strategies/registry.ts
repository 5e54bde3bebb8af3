import { InvalidSecretValueError, UnknownStrategyError } from './errors';
import { createPostgresAlternatingUsersStrategy } from './postgres/alternating-users';
import { loginToPostgres, type PostgresLogin } from './postgres/connection';
import { createPostgresSingleUserStrategy } from './postgres/single-user';
import { randomStrategy } from './random';
import { STRATEGY_NAMES, type RotationStrategy, type StrategyName } from './strategy';
import { STRATEGY_TAG } from './tag-options';

export type StrategyRegistry = Readonly<Record<StrategyName, RotationStrategy>>;

/** Clients the strategies talk to their targets with; tests may pass their own. */
export interface StrategyClients {
  readonly postgresLogin?: PostgresLogin;
}

export function createStrategyRegistry(clients: StrategyClients = {}): StrategyRegistry {
  const postgresLogin = clients.postgresLogin ?? loginToPostgres;
  return {
    random: randomStrategy,
    'postgres-single-user': createPostgresSingleUserStrategy(postgresLogin),
    'postgres-alternating-users': createPostgresAlternatingUsersStrategy(postgresLogin),
  };
}

/**
 * AWS's `engine` field → the strategies for one user and for alternating users
 * (chosen by the presence of `masterarn`, as AWS's own functions are).
 */
const ENGINE_STRATEGIES: Readonly<Record<string, { single: StrategyName; alternating: StrategyName }>> = {
  postgres: { single: 'postgres-single-user', alternating: 'postgres-alternating-users' },
};

const STRATEGY_ENGINES: Partial<Record<StrategyName, string>> = Object.fromEntries(
  Object.entries(ENGINE_STRATEGIES).flatMap(([engine, s]) => [
    [s.single, engine],
    [s.alternating, engine],
  ]),
);

function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** The `engine` and `masterarn` fields of a JSON secret; nothing for a plain string. */
function engineFields(value: string): { engine?: string; hasMaster: boolean } {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null) return { hasMaster: false };
    const { engine, masterarn } = parsed as { engine?: unknown; masterarn?: unknown };
    return { engine: typeof engine === 'string' ? engine : undefined, hasMaster: typeof masterarn === 'string' };
  } catch {
    return { hasMaster: false };
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
  const { engine, hasMaster } = engineFields(currentValue);
  const tagged = tags[STRATEGY_TAG]?.trim();
  if (tagged !== undefined) {
    if (!isStrategyName(tagged)) {
      throw new UnknownStrategyError(
        `tag ${STRATEGY_TAG} is "${tagged.slice(0, 60)}": expected one of ${STRATEGY_NAMES.join(', ')}`,
      );
    }
    const expectedEngine = STRATEGY_ENGINES[tagged];
    if (expectedEngine !== undefined && engine !== expectedEngine) {
      throw new InvalidSecretValueError(
        `strategy ${tagged} needs "engine": "${expectedEngine}" in the secret, found ${engine === undefined ? 'none' : `"${engine.slice(0, 40)}"`}`,
      );
    }
    return registry[tagged];
  }
  if (engine === undefined) {
    throw new UnknownStrategyError(
      `the secret has no ${STRATEGY_TAG} tag and no "engine" field: nothing says how to rotate it`,
    );
  }
  const strategies = ENGINE_STRATEGIES[engine];
  if (!strategies) {
    throw new UnknownStrategyError(
      `engine "${engine.slice(0, 40)}" is not supported; supported: ${Object.keys(ENGINE_STRATEGIES).join(', ')}`,
    );
  }
  return registry[hasMaster ? strategies.alternating : strategies.single];
}
