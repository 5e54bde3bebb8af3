import { decodeNextToken, encodeNextToken } from '../http/pagination';
import { invalidMarker, outOfRange } from './errors';

/**
 * KMS's List* paging: Limit (1 to the operation's maximum), Marker from a previous NextMarker,
 * and Truncated on every page. A marker from another listing is refused (InvalidMarkerException).
 */

export interface MarkerPage<T> {
  readonly items: T[];
  readonly NextMarker?: string;
  readonly Truncated: boolean;
}

export function pageOf<T>(
  items: readonly T[],
  request: { readonly Limit?: number | undefined; readonly Marker?: string | undefined },
  bounds: { readonly max: number; readonly fallback: number },
  query: unknown,
): MarkerPage<T> {
  const size = request.Limit ?? bounds.fallback;
  if (size < 1 || size > bounds.max) throw outOfRange('limit', size, 1, bounds.max);
  const offset = request.Marker === undefined ? 0 : decodeNextToken(request.Marker, query);
  if (offset === undefined) throw invalidMarker();
  const end = Math.min(items.length, offset + size);
  return end < items.length
    ? { items: items.slice(offset, end), NextMarker: encodeNextToken(end, query), Truncated: true }
    : { items: items.slice(offset, end), Truncated: false };
}
