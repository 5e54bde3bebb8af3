import { TAG_PREFIX } from '../strategies/tag-options';

/**
 * What the policy, the secret's tags and the coordinator agree on about a secret's consumers: what each one
 * refreshes after a rotation, how long it caches the value, and how that travels in `keyturn:*` tags. Value-free.
 *
 * One tag per consumer (`keyturn:consumer-1` … `keyturn:consumer-10`), value `<target> <name>`: the target has no
 * spaces (`event`, `ecs:<cluster>/<service>`, `lambda:<function>`), the consumer's name is the rest (it may hold
 * spaces). Tag values hold at most 256 characters of letters, digits, spaces and `_ . : / = + - @`, which ECS
 * cluster and service names and Lambda function names fit; a secret holds at most 50 tags, so at most
 * {@link MAX_CONSUMER_TAGS} of them name consumers.
 */

/** The Parameters and Secrets Lambda extension's default cache lifetime (SECRETS_MANAGER_TTL: 300 s). */
export const DEFAULT_CONSUMER_CACHE_SECONDS = 300;

/** At most this many consumers travel in tags (of the 50 a secret may hold). */
export const MAX_CONSUMER_TAGS = 10;

/** Secrets Manager's longest tag value. */
export const MAX_TAG_VALUE_CHARS = 256;

export const ConsumerTag = {
  /** Seconds: the longest cache lifetime the secret's consumers declare. The grace window is at least this. */
  cacheSeconds: `${TAG_PREFIX}consumer-cache-seconds`,
} as const;

/** The tag of the `index`-th consumer (1-based). */
export function consumerTagKey(index: number): string {
  return `${TAG_PREFIX}consumer-${index}`;
}

/** Every consumer tag key keyturn may write (so a removed consumer's tag does not linger). */
export const CONSUMER_TAG_KEYS: readonly string[] = [
  ConsumerTag.cacheSeconds,
  ...Array.from({ length: MAX_CONSUMER_TAGS }, (_, i) => consumerTagKey(i + 1)),
];

/** ECS cluster and service names: letters, digits, hyphens and underscores, up to 255. */
export const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** Lambda function names (the name, not an ARN): letters, digits, hyphens and underscores, up to 64. */
export const LAMBDA_FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** What is refreshed for one consumer after a verified rotation. */
export type RefreshTarget =
  | { readonly kind: 'event' }
  /** UpdateService forceNewDeployment: new tasks read the secret when they start. */
  | { readonly kind: 'ecs-service'; readonly cluster: string; readonly service: string }
  /** UpdateFunctionConfiguration (one environment variable): new invocations start new execution environments. */
  | { readonly kind: 'lambda-function'; readonly functionName: string };

export interface ConsumerRefresh {
  readonly name: string;
  readonly target: RefreshTarget;
}

/** How a target reads in a tag, an event and a plan: `event`, `ecs:orders/orders-api`, `lambda:orders-worker`. */
export function describeTarget(target: RefreshTarget): string {
  switch (target.kind) {
    case 'event':
      return 'event';
    case 'ecs-service':
      return `ecs:${target.cluster}/${target.service}`;
    case 'lambda-function':
      return `lambda:${target.functionName}`;
  }
}

/** A consumer as its tag holds it. */
export function encodeConsumerTag(consumer: ConsumerRefresh): string {
  return `${describeTarget(consumer.target)} ${consumer.name}`;
}

/** A consumer tag's value, or a message naming what is wrong (never the whole value: it is not secret, but keep it short). */
export function parseConsumerTag(value: string): ConsumerRefresh | string {
  const space = value.indexOf(' ');
  const target = space < 0 ? value : value.slice(0, space);
  const name = space < 0 ? '' : value.slice(space + 1).trim();
  if (name === '') return 'must be "<target> <consumer name>"';
  if (target === 'event') return { name, target: { kind: 'event' } };
  const ecs = /^ecs:([^/]+)\/([^/]+)$/.exec(target);
  if (ecs) {
    const [, cluster = '', service = ''] = ecs;
    if (!ECS_NAME.test(cluster) || !ECS_NAME.test(service)) return 'names an invalid ECS cluster or service';
    return { name, target: { kind: 'ecs-service', cluster, service } };
  }
  const lambda = /^lambda:(.+)$/.exec(target);
  if (lambda) {
    const functionName = lambda[1] ?? '';
    if (!LAMBDA_FUNCTION_NAME.test(functionName)) return 'names an invalid Lambda function name';
    return { name, target: { kind: 'lambda-function', functionName } };
  }
  return 'must start with event, ecs:<cluster>/<service> or lambda:<function>';
}

/**
 * The environment variable a refresh sets on a consumer's Lambda function: one per secret, so a function that
 * reads several secrets keeps one variable each. Value: the rotated version id (never the secret's value).
 */
export function lambdaVersionVariable(secretArn: string): string {
  // arn:aws:secretsmanager:region:account:secret:name-AbCdEf → NAME_ABCDEF (letters, digits, underscores)
  const name = secretArn.split(':secret:')[1] ?? secretArn;
  const cleaned = name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
  return `KEYTURN_SECRET_VERSION_${cleaned}`.slice(0, 128);
}
