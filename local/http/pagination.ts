import { createHash } from 'node:crypto';

/**
 * Paging for the emulators' List* operations. Tokens are opaque to callers: they carry the
 * offset and a fingerprint of the query, so a token replayed with a different query is refused
 * the way AWS refuses a foreign token (each service with its own exception).
 */

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

export function encodeNextToken(offset: number, query: unknown): string {
  return Buffer.from(JSON.stringify({ o: offset, q: fingerprint(query) })).toString('base64url');
}

/** The offset a token stands for, or undefined when it is not one of ours for this query. */
export function decodeNextToken(token: string, query: unknown): number | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'o' in parsed && 'q' in parsed) {
      const { o, q } = parsed;
      if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && q === fingerprint(query)) return o;
    }
  } catch {
    // fall through: any token we cannot read is invalid
  }
  return undefined;
}

function fingerprint(query: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(query ?? null))
    .digest('base64url')
    .slice(0, 16);
}

/** One page of `items`; `invalidToken` is what the service throws for a token it did not issue. */
export function paginate<T>(
  items: readonly T[],
  maxResults: number,
  nextToken: string | undefined,
  query: unknown,
  invalidToken: () => Error,
): Page<T> {
  const offset = nextToken === undefined ? 0 : decodeNextToken(nextToken, query);
  if (offset === undefined) throw invalidToken();
  const pageItems = items.slice(offset, offset + maxResults);
  const end = offset + pageItems.length;
  return end < items.length ? { items: pageItems, nextToken: encodeNextToken(end, query) } : { items: pageItems };
}
