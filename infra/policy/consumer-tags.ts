import {
  consumerTagKey,
  ConsumerTag,
  encodeConsumerTag,
  MAX_CONSUMER_TAGS,
} from '../../functions/shared/consumer-refresh';
import type { ResolvedEntry } from './defaults';
import { consumerRefreshOf } from './schema';

/**
 * The `keyturn:consumer-*` tags of the entry's secret: the consumers' longest cache lifetime, and one tag per
 * consumer (`<target> <name>`, functions/shared/consumer-refresh.ts) for the coordinator's SecretRotated event and
 * refreshes. Consumers that refresh something come first; event-only consumers fill the remaining tags (the schema
 * caps refreshing ones at {@link MAX_CONSUMER_TAGS}), and beyond that are not named in the event.
 */
export function consumerTags(entry: ResolvedEntry): Record<string, string> {
  if (entry.consumers.length === 0 || entry.consumerCacheSeconds === undefined) return {};
  const refreshes = entry.consumers.map(consumerRefreshOf);
  const ordered = [
    ...refreshes.filter((c) => c.target.kind !== 'event'),
    ...refreshes.filter((c) => c.target.kind === 'event'),
  ].slice(0, MAX_CONSUMER_TAGS);
  const tags: Record<string, string> = { [ConsumerTag.cacheSeconds]: String(entry.consumerCacheSeconds) };
  ordered.forEach((consumer, i) => {
    tags[consumerTagKey(i + 1)] = encodeConsumerTag(consumer);
  });
  return tags;
}
