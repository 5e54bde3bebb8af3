import { DEFAULT_CANARY_LABEL } from '../../functions/shared/canary';
import { DEFAULT_CANARY_CHECK_EVERY_SECONDS, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { startOfUtcDay } from '../../functions/shared/rotation-schedule';
import { encodeProbe, PROBE_TAG } from '../../functions/strategies/probe/probe';
import { IamTag, NO_CLOUDTRAIL_REGIONS } from '../../functions/strategies/iam/options';
import { OptionTag } from '../../functions/strategies/tag-options';
import { consumerTags } from './consumer-tags';
import type { ResolvedEntry } from './defaults';
import { authFailureTags } from './auth-failure-signal';
import { durationSeconds } from './duration';
import { scheduleMaxAgeSeconds } from './max-age';
import { providerSpecOf, type IamAccessKeyEntry, type PasswordOptions } from './schema';
import type { ProviderSpec } from '../../functions/strategies/http/spec';

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export { LifecycleTag, ManagementTag };

/**
 * How old the secret may grow: the longest gap its schedule allows, its window, and an hour
 * of slack (see max-age.ts, which keys share). Undefined for a cron that fires less than twice a year (no check then).
 */
export function maxAgeSeconds(entry: ResolvedEntry, from: Date = startOfUtcDay(new Date())): number | undefined {
  return scheduleMaxAgeSeconds(entry.schedule, from);
}
/**
 * The `keyturn:*` tags that tell the rotation function how to rotate this secret: its
 * strategy and the options the entry sets. Options the entry leaves out are not written,
 * so the strategy's own defaults apply in one place only.
 */
export function strategyTags(entry: ResolvedEntry, scheduleReferenceDate?: Date): Record<string, string> {
  const source = entry.source;
  const tags: Record<string, string> = {
    [ManagementTag.managed]: 'true',
    [ManagementTag.entry]: entry.id,
    [ManagementTag.owner]: entry.owner.team,
    [OptionTag.strategy]: entry.kind,
  };
  const maxAge = maxAgeSeconds(entry, scheduleReferenceDate);
  if (maxAge !== undefined) tags[ManagementTag.maxAgeSeconds] = String(maxAge);
  if (source.kind === 'random') {
    Object.assign(tags, passwordTags(source.options ?? {}));
    if (source.options?.fields) tags[OptionTag.fields] = source.options.fields.join(' ');
    if (source.options?.prefix !== undefined) tags[OptionTag.prefix] = source.options.prefix;
  } else if (source.kind === 'iam-access-key') {
    Object.assign(tags, iamTags(source.options));
  } else if (source.kind === 'http-api-key') {
    // The provider by name: a user's spec is too long for a tag (256 characters) and travels in the rotation
    // function's environment instead (httpProviderSpecsOf).
    tags[OptionTag.httpProvider] = providerSpecOf(source).name;
    if (source.options.baseUrl !== undefined) tags[OptionTag.httpBaseUrl] = new URL(source.options.baseUrl).origin;
    if (source.options.adminSecret !== undefined) tags[OptionTag.httpAdminSecret] = source.options.adminSecret.arn;
  } else {
    Object.assign(tags, passwordTags(source.options?.password ?? {}));
    if (source.options?.probe) tags[PROBE_TAG] = encodeProbe(source.options.probe);
  }
  return tags;
}

/**
 * The `keyturn:*` tags that tell the lifecycle (its pre-flight task) how to run around a rotation of this
 * secret: the grace window, the minimum interval since the last rotation, how long to wait for the old
 * credential to go idle (0 when the entry does not wait for idle: checked once), and what to do with it
 * then. Every entry carries all five, its kind's defaults applied, so the tasks' own fallbacks never
 * decide for a managed secret.
 */
export function lifecycleTags(entry: ResolvedEntry): Record<string, string> {
  const { revocation } = entry;
  return {
    [LifecycleTag.graceSeconds]: String(entry.graceSeconds),
    [LifecycleTag.minIntervalSeconds]: String(entry.minIntervalSeconds),
    [LifecycleTag.drainMaxWaitSeconds]: String(revocation.waitForIdle ? revocation.maxWaitSeconds : 0),
    [LifecycleTag.whenStillInUse]: revocation.whenStillInUse,
    [LifecycleTag.terminateSessions]: String(revocation.terminateSessions),
    ...canaryTags(entry),
  };
}

/** The canary's tags (docs/canary.md), all of them, only for an entry with a canary: the window turns it on. */
function canaryTags(entry: ResolvedEntry): Record<string, string> {
  const canary = entry.source.canary;
  if (canary === undefined) return {};
  return {
    [LifecycleTag.canaryWindowSeconds]: String(durationSeconds(canary.window)),
    [LifecycleTag.canaryLabel]: canary.label ?? DEFAULT_CANARY_LABEL,
    [LifecycleTag.canaryCheckEverySeconds]: String(
      canary.checkEvery === undefined ? DEFAULT_CANARY_CHECK_EVERY_SECONDS : durationSeconds(canary.checkEvery),
    ),
    // keyturn's own checks log a few failed logins (docs/auth-failure-signals.md): by default the canary tolerates
    // what the entry's watch windows tolerate.
    [LifecycleTag.canaryMaxAuthFailures]: String(canary.maxAuthFailures ?? entry.authFailures?.threshold ?? 0),
  };
}

/** Every `keyturn:*` tag of the entry's secret: {@link strategyTags}, {@link lifecycleTags} and {@link consumerTags}. */
export function keyturnTags(entry: ResolvedEntry, scheduleReferenceDate?: Date): Record<string, string> {
  return {
    ...strategyTags(entry, scheduleReferenceDate),
    ...lifecycleTags(entry),
    ...consumerTags(entry),
    ...authFailureTags(entry.authFailures),
  };
}

function iamTags(options: IamAccessKeyEntry['options']): Record<string, string> {
  const tags: Record<string, string> = { [IamTag.userName]: options.userName };
  if (options.path !== undefined && options.path !== '/') tags[IamTag.path] = options.path;
  if (options.assumeRoleArn !== undefined) tags[IamTag.roleArn] = options.assumeRoleArn;
  const quarantine = options.quarantine === undefined ? undefined : durationSeconds(options.quarantine);
  if (quarantine !== undefined) tags[IamTag.quarantineSeconds] = String(quarantine);
  if (options.allowReplacingUnknownKey !== undefined) {
    tags[IamTag.allowReplacingUnknownKey] = String(options.allowReplacingUnknownKey);
  }
  if (options.cloudTrailRegions !== undefined) {
    const regions = options.cloudTrailRegions;
    tags[IamTag.cloudTrailRegions] = regions.length === 0 ? NO_CLOUDTRAIL_REGIONS : regions.join(' ');
  }
  return tags;
}

function passwordTags(options: PasswordOptions): Record<string, string> {
  const tags: Record<string, string> = {};
  if (options.length !== undefined) tags[OptionTag.length] = String(options.length);
  if (options.excludeCharacters !== undefined) {
    // Tag values cannot hold quotes, backslashes and most punctuation: those sets travel as base64.
    if (TAG_TEXT.test(options.excludeCharacters)) tags[OptionTag.excludeCharacters] = options.excludeCharacters;
    else tags[OptionTag.excludeCharactersBase64] = Buffer.from(options.excludeCharacters).toString('base64');
  }
  const flags: [boolean | undefined, string][] = [
    [options.excludeNumbers, OptionTag.excludeNumbers],
    [options.excludePunctuation, OptionTag.excludePunctuation],
    [options.excludeUppercase, OptionTag.excludeUppercase],
    [options.excludeLowercase, OptionTag.excludeLowercase],
    [options.includeSpace, OptionTag.includeSpace],
    [options.requireEachIncludedType, OptionTag.requireEachIncludedType],
  ];
  for (const [value, tag] of flags) if (value !== undefined) tags[tag] = String(value);
  return tags;
}

/**
 * The users' own provider specs among `entries`, once each by name: what the rotation function of those entries
 * reads from KEYTURN_HTTP_PROVIDERS (presets are built into the function).
 */
export function httpProviderSpecsOf(entries: readonly ResolvedEntry[]): ProviderSpec[] {
  const specs = new Map<string, ProviderSpec>();
  for (const entry of entries) {
    const source = entry.source;
    if (source.kind === 'http-api-key' && 'spec' in source.options.provider) {
      specs.set(source.options.provider.spec.name, source.options.provider.spec);
    }
  }
  return [...specs.values()];
}
