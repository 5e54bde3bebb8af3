import { TAG_PREFIX } from '../strategies/tag-options';

/**
 * Tags keyturn's infrastructure writes on every secret it manages, read back by its
 * functions: which policy entry owns the secret, and how old it may grow.
 */
export const ManagementTag = {
  /** `true` on every secret keyturn manages: the filter for inventory and freshness checks. */
  managed: `${TAG_PREFIX}managed`,
  entry: `${TAG_PREFIX}entry`,
  owner: `${TAG_PREFIX}owner`,
  /** Seconds since the last rotation after which the secret is overdue: the longest gap its schedule allows plus its window. */
  maxAgeSeconds: `${TAG_PREFIX}max-age-seconds`,
} as const;
