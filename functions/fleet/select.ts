import { ListSecretsCommand, type ListSecretsResponse } from '@aws-sdk/client-secrets-manager';
import { ManagementTag } from '../shared/management-tags';
import {
  DEFAULT_FLEET_CONCURRENCY,
  INLINE_MAP_CONCURRENCY,
  FLEET_PAGE_BUDGET_BYTES,
  FLEET_PAGE_SIZE,
  pageItemBytes,
  type FleetPage,
  type FleetSelection,
} from './contract';
import { EmptyFleetSelectionError, InvalidFleetTokenError } from './errors';
import type { SelectInput } from './input';

/** The part of a Secrets Manager client select needs (an SDK v3 client, or a mock of one). */
export interface ListSecretsClient {
  send(command: ListSecretsCommand): Promise<ListSecretsResponse>;
}

export interface SelectDeps {
  readonly secretsManager: ListSecretsClient;
}

// Page tokens say which kind of selection handed them out, so a token is never misread.
const EXPLICIT_TOKEN = /^explicit:(\d+)$/;
const TAGS_TOKEN_PREFIX = 'tags:';
/** ListSecrets' largest page. */
const LIST_SECRETS_PAGE = 100;

/**
 * One page of the fleet's selection: at most {@link FLEET_PAGE_SIZE} secret ARNs within
 * {@link FLEET_PAGE_BUDGET_BYTES}, and the token of the next page. An explicit list is deduplicated (first occurrence wins) and cut in pages;
 * a tag selection lists keyturn-managed secrets with rotation enabled that carry every tag.
 */
export async function selectPage(input: SelectInput, deps: SelectDeps): Promise<FleetPage> {
  const { request, progress, fleetExecutionArn } = input;
  const { secretArns, tags } = request.selection;
  const page = secretArns
    ? explicitPage(secretArns, progress.nextToken)
    : await taggedPage(tags ?? {}, progress.nextToken, deps);
  if (progress.pages === 0 && progress.nextToken === null && page.items.length === 0 && page.nextToken === null) {
    throw new EmptyFleetSelectionError(describeEmpty(request.selection, page.excluded));
  }
  const { chunks, chunkConcurrency } = inChunks(page.items, request.maxConcurrency ?? DEFAULT_FLEET_CONCURRENCY);
  return {
    chunks,
    chunkConcurrency,
    nextToken: page.nextToken,
    excluded: page.excluded,
    lifecycleInput: {
      trigger: 'fleet',
      fleetExecutionArn,
      ...(request.alertTopicArn === undefined ? {} : { alertTopicArn: request.alertTopicArn }),
      ...(request.reason === undefined ? {} : { reason: request.reason }),
      ...(request.dryRun === true ? { dryRun: true } : {}),
    },
  };
}

/**
 * `concurrency` lifecycles at once as chunks that run side by side, each an inline Map running at
 * most 40: as few chunks as that takes, the items cut evenly between them (in order).
 */
export function inChunks(
  items: readonly string[],
  concurrency: number,
): { chunks: string[][]; chunkConcurrency: number } {
  const chunkCount = Math.max(1, Math.min(items.length, Math.ceil(concurrency / INLINE_MAP_CONCURRENCY)));
  const chunkConcurrency = Math.ceil(concurrency / Math.ceil(concurrency / INLINE_MAP_CONCURRENCY));
  const size = Math.ceil(items.length / chunkCount);
  const chunks = Array.from({ length: chunkCount }, (_, i) => items.slice(i * size, (i + 1) * size));
  return { chunks: chunks.filter((chunk) => chunk.length > 0), chunkConcurrency };
}

interface SelectedPage {
  readonly items: readonly string[];
  readonly nextToken: string | null;
  readonly excluded: number;
}

function explicitPage(secretArns: readonly string[], token: string | null): SelectedPage {
  const unique = [...new Set(secretArns)];
  let offset = 0;
  if (token !== null) {
    const match = EXPLICIT_TOKEN.exec(token);
    offset = Number(match?.[1] ?? NaN);
    if (!match || offset > unique.length) {
      throw new InvalidFleetTokenError('the page token was not handed out for this explicit selection');
    }
  }
  let end = offset;
  let bytes = 0;
  while (end < unique.length && end - offset < FLEET_PAGE_SIZE) {
    bytes += pageItemBytes(unique[end] ?? '');
    if (bytes > FLEET_PAGE_BUDGET_BYTES && end > offset) break;
    end += 1;
  }
  return { items: unique.slice(offset, end), nextToken: end < unique.length ? `explicit:${end}` : null, excluded: 0 };
}

/**
 * Lists secrets carrying the selection's first tag (ListSecrets filters are prefix matches and
 * match keys and values independently), then keeps those that carry every tag exactly, are
 * managed by keyturn and have rotation enabled. Skips listing pages where nothing matched, so a
 * page is empty only when the listing is exhausted.
 */
async function taggedPage(
  selectionTags: Readonly<Record<string, string>>,
  token: string | null,
  deps: SelectDeps,
): Promise<SelectedPage> {
  if (token !== null && !token.startsWith(TAGS_TOKEN_PREFIX)) {
    throw new InvalidFleetTokenError('the page token was not handed out for this tag selection');
  }
  const wanted: [string, string][] = [[ManagementTag.managed, 'true'], ...Object.entries(selectionTags)];
  const [firstKey, firstValue] = Object.entries(selectionTags)[0] ?? [ManagementTag.managed, 'true'];
  const filters = [
    { Key: 'tag-key' as const, Values: [firstKey] },
    ...(firstValue === '' ? [] : [{ Key: 'tag-value' as const, Values: [firstValue] }]),
  ];
  let nextToken: string | undefined = token === null ? undefined : token.slice(TAGS_TOKEN_PREFIX.length);
  let excluded = 0;
  let bytes = 0;
  const items: string[] = [];
  // Whole ListSecrets pages (its token resumes after a page), while another one surely fits.
  for (;;) {
    const out = await deps.secretsManager.send(
      new ListSecretsCommand({ Filters: filters, MaxResults: LIST_SECRETS_PAGE, NextToken: nextToken }),
    );
    nextToken = out.NextToken;
    for (const secret of out.SecretList ?? []) {
      const tagsOfSecret = new Map((secret.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
      if (!secret.ARN || !wanted.every(([key, value]) => tagsOfSecret.get(key) === value)) continue;
      if (secret.RotationEnabled !== true) {
        excluded += 1;
        continue;
      }
      items.push(secret.ARN);
      bytes += pageItemBytes(secret.ARN);
    }
    const roomForAnother = items.length + LIST_SECRETS_PAGE <= FLEET_PAGE_SIZE && bytes <= FLEET_PAGE_BUDGET_BYTES / 2;
    if (nextToken === undefined || (items.length > 0 && !roomForAnother)) {
      return { items, nextToken: nextToken === undefined ? null : `${TAGS_TOKEN_PREFIX}${nextToken}`, excluded };
    }
  }
}

function describeEmpty(selection: FleetSelection, excluded: number): string {
  if (selection.secretArns) return 'the selection is empty (selection.secretArns lists no secret)';
  const tagKeys = Object.keys(selection.tags ?? {}).join(', ');
  return excluded > 0
    ? `no secret to rotate: ${excluded} keyturn-managed secret(s) carry the tags (${tagKeys}) but none has rotation enabled`
    : `no keyturn-managed secret carries every selected tag (${tagKeys})`;
}
