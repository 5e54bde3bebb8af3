import { paginate as paginateItems, type Page } from '../http/pagination';
import { AwsServiceError } from './errors';

export type { Page } from '../http/pagination';

/**
 * ListSecrets / BatchGetSecretValue filtering, ordering and paging, kept apart from HTTP and
 * from the model so the matching rules can be tested on their own.
 */

export const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface SecretFilter {
  readonly Key: FilterKey;
  readonly Values: readonly string[];
}

/** The attributes a filter can look at: metadata only, never a value. */
export interface SearchableSecret {
  readonly name: string;
  readonly description?: string | undefined;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  readonly primaryRegion: string;
  readonly owningService?: string | undefined;
}

/**
 * AWS semantics: each key's values are prefix matches; a value starting with `!` negates.
 * Within one key the positive values are alternatives (OR) and every negation must hold;
 * different keys must all match (AND). `description` and `all` ignore case, the rest do not.
 */
export function matchesFilters(secret: SearchableSecret, filters: readonly SecretFilter[]): boolean {
  return filters.every((filter) => matchesFilter(secret, filter));
}

function matchesFilter(secret: SearchableSecret, filter: SecretFilter): boolean {
  const positives: string[] = [];
  const negations: string[] = [];
  for (const value of filter.Values) {
    if (value.startsWith('!')) negations.push(value.slice(1));
    else positives.push(value);
  }
  const matches = (value: string) => attributeMatches(secret, filter.Key, value);
  if (negations.some(matches)) return false;
  return positives.length === 0 || positives.some(matches);
}

function attributeMatches(secret: SearchableSecret, key: FilterKey, value: string): boolean {
  switch (key) {
    case 'name':
      return secret.name.startsWith(value);
    case 'description':
      return (secret.description ?? '').toLowerCase().startsWith(value.toLowerCase());
    case 'tag-key':
      return secret.tags.some((tag) => tag.Key.startsWith(value));
    case 'tag-value':
      return secret.tags.some((tag) => tag.Value.startsWith(value));
    case 'primary-region':
      return secret.primaryRegion.startsWith(value);
    case 'owning-service':
      return secret.owningService?.startsWith(value) ?? false;
    case 'all':
      return matchesAllAttributes(secret, value);
  }
}

/**
 * The `all` key: the search text is broken into words (at punctuation, case changes and
 * letter/digit changes), and a secret matches when any search word starts a word of its
 * name, description, tag keys or tag values, ignoring case.
 */
function matchesAllAttributes(secret: SearchableSecret, value: string): boolean {
  const searchWords = splitIntoWords(value);
  if (searchWords.length === 0) return true;
  const attributeWords = [
    secret.name,
    secret.description ?? '',
    ...secret.tags.flatMap((tag) => [tag.Key, tag.Value]),
  ].flatMap(splitIntoWords);
  return searchWords.some((word) => attributeWords.some((candidate) => candidate.startsWith(word)));
}

export function splitIntoWords(text: string): string[] {
  return text
    .split(/[^A-Za-z0-9]+/)
    .flatMap((chunk) => chunk.split(/(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/))
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}

export type SortBy = 'created-date' | 'last-accessed-date' | 'last-changed-date' | 'name';
export type SortOrder = 'asc' | 'desc';

export interface SortableSecret {
  readonly name: string;
  readonly createdAt: Date;
  readonly lastChangedAt: Date;
  readonly lastAccessedAt?: Date | undefined;
}

/** Secrets are listed by CreatedDate unless SortBy says otherwise; ties fall back to the name so paging is stable. */
export function sortSecrets<T extends SortableSecret>(
  secrets: readonly T[],
  sortBy: SortBy = 'created-date',
  order: SortOrder = 'asc',
): T[] {
  const key = (secret: T): number | string => {
    switch (sortBy) {
      case 'name':
        return secret.name;
      case 'created-date':
        return secret.createdAt.getTime();
      case 'last-changed-date':
        return secret.lastChangedAt.getTime();
      case 'last-accessed-date':
        return secret.lastAccessedAt?.getTime() ?? 0;
    }
  };
  const direction = order === 'desc' ? -1 : 1;
  return [...secrets].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka < kb) return -direction;
    if (ka > kb) return direction;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** One page of a listing; a token from another query (or none of ours) is InvalidNextTokenException. */
export function paginate<T>(
  items: readonly T[],
  maxResults: number,
  nextToken: string | undefined,
  query: unknown,
): Page<T> {
  return paginateItems(
    items,
    maxResults,
    nextToken,
    query,
    () => new AwsServiceError('InvalidNextTokenException', 'The NextToken value is not valid for this request.'),
  );
}
