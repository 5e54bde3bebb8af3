import { waitBudgetMs } from '../../shared/deadline';
import { DEFAULT_ROTATION_FUNCTION_TIMEOUT_SECONDS } from '../../shared/lifecycle-contract';
import { describeError } from '../../shared/errors';
import type { SecretVersion, VersionSummary } from '../../shared/secret-store';
import { AWSPENDING } from '../../shared/stages';
import {
  ConcurrentChangeError,
  InvalidSecretValueError,
  InvalidStrategyOptionError,
  PendingCredentialRejectedError,
  RevokeRefusedError,
} from '../errors';
import type {
  RevokeOptions,
  RevokeResult,
  RotationStrategy,
  RotationVersions,
  StrategyContext,
  StrategyName,
  UsageReport,
  VerifyOptions,
  VerifyResult,
} from '../strategy';
import { abandonedRotations } from '../abandoned-rotations';
import { PendingKeyMissingError, ValueIssuedByTargetError } from './errors';
import type { IamAccess, IamKeyApi, IssuedKey } from './iam-api';
import { awaitKeyRefused, awaitKeyWorks, checkKey, expectedUser, PROPAGATION, type ExpectedUser } from './identity';
import {
  emergencyMarked,
  formatQuarantineMarker,
  IamTag,
  iamOptionsFromTags,
  readQuarantineMarker,
  type IamOptions,
} from './options';
import { usageWindowStart } from '../recent-use';
import { idleByLastUse, judgeKeyUsage, TRAIL_CALLS_READ, trailStart, type TrailLookup } from './key-usage';
import { planKeySlot, type KeyHolder } from './slots';
import { parseIamKeySecret, userNameOf, withAccessKey, type IamKeySecret } from './secret';

/**
 * # IAM user access keys
 *
 * An IAM user holds at most two access keys, and IAM shows a key's secret only when it creates it. So:
 * - createSecret (issuePendingValue) makes room (slots.ts), creates ONE key and stores it as AWSPENDING at
 *   once; a key an interrupted attempt made and never stored is found on the next attempt (no version
 *   holds it, created after the pending version, never used) and deleted first — but only once the attempt
 *   that made it can no longer be alive (the function's timeout), so a concurrent twin is never robbed of
 *   the key it is storing; a twin that loses the race for the slot waits for the winner's value instead.
 *   The key of a rotation an operator gave up before it became AWSCURRENT (abandoned-rotations.ts) is
 *   deleted the same way: no client was ever given it.
 * - setSecret changes nothing: the key works already. It checks the key is still there and active.
 * - testSecret / verify sign sts:GetCallerIdentity with the key and expect the user's ARN, retried while a
 *   new key propagates (identity.ts).
 * - usage: GetAccessKeyLastUsed of the old key (coarse: hours) and, when that shows a use around or after the
 *   switch, CloudTrail's event history of calls signed with it (key-usage.ts).
 * - revoke deactivates (UpdateAccessKey Inactive: reversible) and records when in the secret's
 *   `keyturn:iam-deactivated` tag; the next rotation's createSecret deletes it once the quarantine is over
 *   and it stayed unused. An emergency revoke deletes at once. reinstate (a rollback) reactivates.
 */
export const IAM_ACCESS_KEY_STRATEGY = 'iam-access-key' satisfies StrategyName;

/** The rotation function's timeout in seconds (set by infra/constructs/rotation-function.ts). */
export const FUNCTION_TIMEOUT_ENVIRONMENT = 'KEYTURN_FUNCTION_TIMEOUT_SECONDS';

export interface IamAccessKeyStrategySettings {
  /**
   * The rotation function's timeout: the longest an attempt that created a key can still be storing it.
   * @default KEYTURN_FUNCTION_TIMEOUT_SECONDS, else 45 s
   */
  readonly attemptLifetimeMs?: number;
  /** How often a twin's pending value is looked for. @default 250 */
  readonly pollIntervalMs?: number;
  /** How long revoke watches for STS to refuse the old key (IAM propagates a deactivation too). @default 30 s */
  readonly revocationCheckMs?: number;
}

interface Subject {
  readonly secret: IamKeySecret;
  readonly userName: string;
  readonly options: IamOptions;
}

function subjectOf(version: SecretVersion, label: string, ctx: StrategyContext): Subject {
  const options = iamOptionsFromTags(ctx.tags);
  const secret = parseIamKeySecret(version.value, label);
  return { secret, options, userName: userNameOf(secret, options.userName, label) };
}

/** Two versions of one secret must name the same user: a rotation changes the key, never the user. */
function sameUser(a: Subject, b: Subject, what: string): void {
  if (a.userName !== b.userName) {
    throw new InvalidSecretValueError(`${what} name different IAM users ("${a.userName}", "${b.userName}")`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every version of the secret that holds `accessKeyId`. */
async function holdersOf(
  ctx: StrategyContext,
  versions: readonly VersionSummary[],
  accessKeyId: string,
): Promise<KeyHolder[]> {
  const holders: KeyHolder[] = [];
  for (const summary of versions) {
    if (summary.versionId === ctx.token) continue; // the pending version has no value yet
    const version = await ctx.store.getVersion(ctx.secretArn, { versionId: summary.versionId });
    if (!version) continue;
    try {
      if (parseIamKeySecret(version.value, `version ${summary.versionId}`).accessKeyId === accessKeyId) {
        holders.push({ versionId: summary.versionId, stages: summary.stages });
      }
    } catch {
      // a version of another shape holds no key
    }
  }
  return holders;
}

/** The regions whose CloudTrail event history the usage check reads: the entry's, else the function's own. */
function trailRegions(options: IamOptions): readonly string[] {
  if (options.cloudTrailRegions) return options.cloudTrailRegions;
  const own = process.env.AWS_REGION;
  return own ? [own] : [];
}

/** The function's timeout, as the construct writes it; the default timeout where nothing sets it (local runs). */
function defaultAttemptLifetimeMs(): number {
  const raw = process.env[FUNCTION_TIMEOUT_ENVIRONMENT];
  if (raw === undefined || raw === '') return DEFAULT_ROTATION_FUNCTION_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new InvalidStrategyOptionError(
      `${FUNCTION_TIMEOUT_ENVIRONMENT} must be a whole number of seconds, got "${raw}"`,
    );
  }
  return seconds * 1000;
}

/** The `iam-access-key` strategy (see the module comment), over `access` (iam-client.ts in the function). */
export function createIamAccessKeyStrategy(
  access: IamAccess,
  settings: IamAccessKeyStrategySettings = {},
): RotationStrategy {
  const attemptLifetimeMs = settings.attemptLifetimeMs ?? defaultAttemptLifetimeMs();
  const pollIntervalMs = settings.pollIntervalMs ?? 250;
  const revocationCheckMs = settings.revocationCheckMs ?? PROPAGATION.budgetMs;

  /** Whether STS was seen refusing the old key (set as confirmedRejected only then). */
  async function refusedNow(subject: Subject, ctx: StrategyContext): Promise<boolean> {
    const user = await expectedUser(access, subject.options, subject.userName);
    return awaitKeyRefused(access, subject.secret, user, ctx.deadline, revocationCheckMs);
  }

  /** The pending version's value, polled until it appears, `until` passes, or the invocation must answer. */
  async function awaitPendingValue(ctx: StrategyContext, until: Date): Promise<SecretVersion | undefined> {
    for (;;) {
      const pending = await ctx.store.getVersion(ctx.secretArn, { versionId: ctx.token, stage: AWSPENDING });
      if (pending) return pending;
      if (Date.now() >= until.getTime() || waitBudgetMs(ctx.deadline) < pollIntervalMs) return undefined;
      await sleep(Math.min(pollIntervalMs, Math.max(0, until.getTime() - Date.now())));
    }
  }

  /** Stores the new key; if that fails and the key did not land, the key is deleted: no orphan. */
  async function store(
    api: IamKeyApi,
    subject: Subject,
    issued: IssuedKey,
    ctx: StrategyContext,
    storePending: (value: string) => Promise<void>,
  ): Promise<void> {
    try {
      await storePending(withAccessKey(subject.secret, issued));
    } catch (error) {
      const landed = await ctx.store
        .getVersion(ctx.secretArn, { versionId: ctx.token, stage: AWSPENDING })
        .then((v) => v !== undefined && parseIamKeySecret(v.value, 'pending').accessKeyId === issued.accessKeyId)
        .catch(() => false);
      if (landed) return; // stored after all; only the answer was lost
      try {
        await api.deleteKey(subject.userName, issued.accessKeyId);
        ctx.logger.warn('new key deleted: it could not be stored', { accessKeyId: issued.accessKeyId });
      } catch (cleanup) {
        // Never used and never stored: the next attempt finds it and deletes it (slots.ts).
        ctx.logger.error('new key could not be stored nor deleted', {
          accessKeyId: issued.accessKeyId,
          reason: describeError(cleanup),
        });
      }
      throw error;
    }
  }

  async function verifyKey(
    subject: Subject,
    ctx: StrategyContext,
    retry: boolean,
  ): Promise<VerifyResult & { user: ExpectedUser }> {
    const user = await expectedUser(access, subject.options, subject.userName);
    const verdict = retry
      ? await awaitKeyWorks(access, subject.secret, user, ctx.deadline)
      : await checkKey(access, subject.secret, user);
    return { ...verdict, user };
  }

  return {
    name: IAM_ACCESS_KEY_STRATEGY,
    // A revoke deactivates the old key (deleted only after the quarantine): a rollback may bring it back.
    rollbackReinstates: true,

    createPendingValue: () =>
      Promise.reject(
        new ValueIssuedByTargetError('an iam-access-key value is issued by IAM in createSecret (issuePendingValue)'),
      ),

    async issuePendingValue(current, ctx, sink): Promise<boolean> {
      const subject = subjectOf(current, 'current', ctx);
      const { userName, options } = subject;
      const api = await access.keys(options.roleArn);
      const versions = await ctx.store.listVersions(ctx.secretArn);
      const rotationStartedAt = versions.find((v) => v.versionId === ctx.token)?.createdAt;
      // Each round re-reads IAM: a concurrent attempt may have taken the free slot in between.
      for (let round = 0; round < 3; round++) {
        const keys = await api.listKeys(userName);
        const other = keys.find((k) => k.accessKeyId !== subject.secret.accessKeyId);
        const plan = planKeySlot({
          userName,
          keys,
          currentKeyId: subject.secret.accessKeyId,
          holders: new Map(other ? [[other.accessKeyId, await holdersOf(ctx, versions, other.accessKeyId)]] : []),
          ...(rotationStartedAt ? { rotationStartedAt } : {}),
          abandoned: abandonedRotations(versions, ctx.token),
          ...(other ? { otherLastUse: await api.lastUse(other.accessKeyId) } : {}),
          marker: readQuarantineMarker(ctx.tags),
          quarantineMs: options.quarantineMs,
          allowReplacingUnknownKey: options.allowReplacingUnknownKey,
          attemptLifetimeMs,
          emergency: emergencyMarked(ctx.tags, new Date()),
          now: new Date(),
        });
        if (plan.kind === 'await-other-attempt') {
          if (await awaitPendingValue(ctx, plan.settledAt)) {
            ctx.logger.info('a concurrent attempt of this rotation stored its key', { accessKeyId: plan.accessKeyId });
            return false;
          }
          if (Date.now() < plan.settledAt.getTime()) {
            throw new ConcurrentChangeError(
              `IAM user "${userName}" has a key ${plan.accessKeyId} that another attempt made and has not stored ` +
                `yet; it counts as abandoned from ${plan.settledAt.toISOString()}: retry then`,
            );
          }
          continue; // abandoned now: the next round deletes it
        }
        if (plan.kind === 'delete') {
          const outcome = await api.deleteKey(userName, plan.accessKeyId);
          ctx.logger.info('access key deleted to make room', {
            accessKeyId: plan.accessKeyId,
            reason: plan.reason,
            outcome,
          });
        }
        const issued = await api.createKey(userName);
        if (issued === 'limit-exceeded') continue;
        ctx.logger.info('access key created', { accessKeyId: issued.accessKeyId, userName });
        await store(api, subject, issued, ctx, (value) => sink.store(value));
        return true;
      }
      throw new ConcurrentChangeError(
        `IAM user "${userName}" kept having no free key slot: another change to its keys is under way; retry`,
      );
    },

    async setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const pending = subjectOf(versions.pending, 'pending', ctx);
      sameUser(pending, subjectOf(versions.current, 'current', ctx), 'the pending and current values');
      const keys = await (await access.keys(pending.options.roleArn)).listKeys(pending.userName);
      const key = keys.find((k) => k.accessKeyId === pending.secret.accessKeyId);
      if (key?.status !== 'Active') {
        throw new PendingKeyMissingError(
          `the pending key ${pending.secret.accessKeyId} is ${key ? 'inactive' : 'not a key of'} IAM user ` +
            `"${pending.userName}"${key ? '' : ' (deleted since createSecret)'}: start a new rotation`,
        );
      }
      ctx.logger.info('the pending key is an active key of the user: nothing to apply', { userName: pending.userName });
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const pending = subjectOf(versions.pending, 'pending', ctx);
      sameUser(pending, subjectOf(versions.current, 'current', ctx), 'the pending and current values');
      const verdict = await verifyKey(pending, ctx, true);
      if (!verdict.ok) {
        throw new PendingCredentialRejectedError(
          `the pending key of IAM user "${pending.userName}" does not work yet: ${verdict.reason}`,
        );
      }
    },

    async verify(credential: SecretVersion, ctx: StrategyContext, options?: VerifyOptions): Promise<VerifyResult> {
      const subject = subjectOf(credential, 'verified', ctx);
      // Both keys belong to one user, so they carry the same permissions: no privilege parity to check.
      if (options?.replaces) sameUser(subject, subjectOf(options.replaces, 'replaced', ctx), 'the two versions');
      // A new key (one that replaces another) may still be propagating; an old one answers at once.
      const { user: _user, ...verdict } = await verifyKey(subject, ctx, options?.replaces !== undefined);
      return verdict.ok ? { ok: true } : { ok: false, failure: verdict.failure, reason: verdict.reason };
    },

    async usage(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext): Promise<UsageReport> {
      const o = subjectOf(old, 'old', ctx);
      sameUser(o, subjectOf(replacement, 'replacement', ctx), 'the old and replacement values');
      const id = o.secret.accessKeyId;
      const api = await access.keys(o.options.roleArn);
      const key = (await api.listKeys(o.userName)).find((k) => k.accessKeyId === id);
      if (!key) return { inUse: false, evidence: `access key ${id} of IAM user "${o.userName}" no longer exists` };
      if (key.status === 'Inactive') {
        return { inUse: false, evidence: `access key ${id} of IAM user "${o.userName}" is inactive: AWS refuses it` };
      }
      const lastUse = await api.lastUse(id);
      const now = new Date();
      const storedAt = replacement.createdAt;
      const trail: TrailLookup[] = [];
      if (storedAt && !idleByLastUse(lastUse, usageWindowStart(storedAt, now))) {
        // Used around or after the switch: the event history may place the uses (and name them).
        const from = usageWindowStart(storedAt, now);
        for (const region of trailRegions(o.options)) {
          const outcome = await api.callsSignedWith(id, trailStart(from), region, TRAIL_CALLS_READ).then(
            (calls) => ({ calls }),
            (error: unknown) => ({ failed: describeError(error) }),
          );
          trail.push({ region, outcome });
        }
      }
      return judgeKeyUsage({
        accessKeyId: id,
        lastUse,
        ...(storedAt ? { replacementStoredAt: storedAt } : {}),
        now,
        trail,
      });
    },

    async revoke(
      old: SecretVersion,
      replacement: SecretVersion,
      ctx: StrategyContext,
      options: RevokeOptions = {},
    ): Promise<RevokeResult> {
      const o = subjectOf(old, 'old', ctx);
      const r = subjectOf(replacement, 'replacement', ctx);
      sameUser(o, r, 'the old and replacement values');
      const id = o.secret.accessKeyId;
      if (id === r.secret.accessKeyId) {
        throw new RevokeRefusedError(
          `the old and replacement versions hold the same access key ${id}: revoking it would cut off every client`,
        );
      }
      const api = await access.keys(o.options.roleArn);
      const key = (await api.listKeys(o.userName)).find((k) => k.accessKeyId === id);
      // An emergency run ends here: its mark must not outlive it (a later rotation is an ordinary one).
      const clearEmergencyMark = async () => {
        if (options.emergency && ctx.tags[IamTag.emergency] !== undefined) {
          await ctx.store.untag(ctx.secretArn, IamTag.emergency);
        }
      };
      if (!key) {
        await clearEmergencyMark();
        return { status: 'revoked', detail: `access key ${id} of IAM user "${o.userName}" was already deleted` };
      }
      if (options.emergency) {
        // A suspected leak: no quarantine. Deactivated first, so that a failed delete still leaves it unusable.
        if (key.status === 'Active') await api.setStatus(o.userName, id, 'Inactive');
        await api.deleteKey(o.userName, id);
        await clearEmergencyMark();
        ctx.logger.info('old access key deactivated and deleted (emergency)', { accessKeyId: id });
        return {
          status: 'revoked',
          detail: `access key ${id} of IAM user "${o.userName}" was deactivated and deleted`,
          ...((await refusedNow(o, ctx)) ? { confirmedRejected: true } : {}),
        };
      }
      const marker = readQuarantineMarker(ctx.tags);
      let since = marker?.accessKeyId === id ? marker.since : undefined;
      if (key.status === 'Active' || since === undefined) {
        // The marker first: a crash after it leaves an active key that the retry deactivates; the reverse
        // would leave an inactive key whose quarantine keyturn cannot date.
        since = new Date();
        await ctx.store.tag(ctx.secretArn, IamTag.deactivated, formatQuarantineMarker({ accessKeyId: id, since }));
      }
      if (key.status === 'Active') await api.setStatus(o.userName, id, 'Inactive');
      const endsAt = new Date(since.getTime() + o.options.quarantineMs);
      ctx.logger.info('old access key deactivated', { accessKeyId: id, quarantineEndsAt: endsAt.toISOString() });
      return {
        status: 'revoked',
        detail:
          `access key ${id} of IAM user "${o.userName}" is inactive${key.status === 'Active' ? '' : ' (it already was)'}; ` +
          `the first rotation after ${endsAt.toISOString()} deletes it if it stays unused (a rollback before then reactivates it)`,
        // Seen refused by STS, signed with the key itself; otherwise the revoke task keeps checking.
        ...((await refusedNow(o, ctx)) ? { confirmedRejected: true } : {}),
      };
    },

    async prepareEmergencyRotation(current: SecretVersion, ctx: StrategyContext): Promise<void> {
      subjectOf(current, 'current', ctx); // a value keyturn cannot rotate is refused before anything is marked
      await ctx.store.tag(ctx.secretArn, IamTag.emergency, new Date().toISOString());
      ctx.logger.info('emergency rotation marked: createSecret may rotate from an inactive key and free its slot');
    },

    async reinstate(previous: SecretVersion, _current: SecretVersion, ctx: StrategyContext): Promise<boolean> {
      const p = subjectOf(previous, 'previous', ctx);
      const id = p.secret.accessKeyId;
      const api = await access.keys(p.options.roleArn);
      const key = (await api.listKeys(p.userName)).find((k) => k.accessKeyId === id);
      if (key?.status !== 'Inactive') return false; // active already, or deleted: nothing to bring back
      await api.setStatus(p.userName, id, 'Active');
      if (readQuarantineMarker(ctx.tags)?.accessKeyId === id) await ctx.store.untag(ctx.secretArn, IamTag.deactivated);
      ctx.logger.info('previous access key reactivated for a rollback', { accessKeyId: id });
      // Reactivation propagates like a new key: wait (within the deadline) until it works again.
      await verifyKey(p, ctx, true);
      return true;
    },
  };
}
