import { z } from 'zod';
import { keyRunInputSchema, type KeySettings } from '../../functions/kms-key/run-input';
import { duration, entryId, kmsKeyArn, owner, routeId, schedule, tags } from './fields';
import { formatDuration, keyRunSeconds, MAX_RUN_SECONDS, resolveKeySettings } from './key-settings';
import {
  defaultUsageOf,
  KMS_KEY_SPECS,
  type KmsKeySpec,
  ROTATABLE_KEY_USAGES,
  SYMMETRIC_ENCRYPTION_SPEC,
  usagesOf,
} from './key-specs';
import { MAX_REWRAP_JOBS_PER_KEY, rewrapJobSchema, rewrapJobsIssues } from './rewrap-jobs';

/**
 * The policy's `keys`: KMS keys keyturn rotates (functions/kms-key, statemachines/kms-key.asl.json). A
 * discriminated union on `kind`, like `entries`, so more kinds of keys can follow; `kms-key` is the first.
 */

/** What KMS's automatic rotation allows (RotationPeriodInDays): 90 to 2560 days. */
export const MIN_ROTATION_PERIOD_DAYS = 90;
export const MAX_ROTATION_PERIOD_DAYS = 2560;
/** KMS's default period when automatic rotation is on and names none. */
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;

/** An alias as the run input takes it (`alias/<name>`), and not one of AWS's own (`alias/aws/…`). */
const aliasName = z
  .string({ error: 'must be an alias name such as alias/payments-signing' })
  .superRefine((name, ctx) => {
    const parsed = keyRunInputSchema.shape.aliasName.safeParse(name);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `must be an alias name such as alias/payments-signing, got "${name}"` });
    } else if (name.startsWith('alias/aws/')) {
      ctx.addIssue({ code: 'custom', message: `alias/aws/ names are AWS managed keys' aliases, got "${name}"` });
    }
  });

const createdKey = z.strictObject({
  /** The alias consumers use: it moves to the new key when the key is replaced. */
  alias: aliasName,
  /** @default 'SYMMETRIC_DEFAULT' */
  keySpec: z.optional(
    z.enum(KMS_KEY_SPECS, {
      error: (issue) => `must be a KMS key spec (${KMS_KEY_SPECS.join(', ')}), got ${JSON.stringify(issue.input)}`,
    }),
  ),
  /** @default the spec's only rotatable usage (RSA and SM2 keys have two: name one) */
  keyUsage: z.optional(
    z.enum(ROTATABLE_KEY_USAGES, {
      error: (issue) =>
        `must be ${ROTATABLE_KEY_USAGES.join(', ')} (keyturn proves a new key by a round trip, which KEY_AGREEMENT has not), got ${JSON.stringify(issue.input)}`,
    }),
  ),
  description: z.optional(z.string().max(8192)),
});

const adoptedKey = z.strictObject({
  /** The key, in the stack's account and Region. */
  arn: kmsKeyArn,
  /**
   * The alias consumers use. A run that must replace the key (asymmetric, HMAC, custom key store, multi-Region
   * imported material) refuses without one: keyturn cannot know the spec of a key it does not create.
   */
  alias: z.optional(aliasName),
});

/** Run-input settings, named and written as the policy does (see key-settings.ts); checked by the run input's schema. */
const keySettings = z.strictObject({
  /** Both keys work this long after the alias moved. @default 1d */
  grace: z.optional(duration),
  /** Between two checks of the old key's use. @default 5m */
  drainCheckEvery: z.optional(duration),
  /** Checks of the old key's use. @default 12 */
  drainChecks: z.optional(z.custom<KeySettings['drainChecks']>(() => true)),
  /** A key still in use after the checks: `stop` (leave it enabled, alert) or `proceed`. @default 'stop' */
  whenStillInUse: z.optional(z.custom<KeySettings['whenStillInUse']>(() => true)),
  /** Signing keys: the old key stays enabled this long after the switch. @default 0s */
  keepForVerification: z.optional(duration),
  /** After disabling the old key, how long to watch for failed uses before scheduling its deletion. @default 1h */
  canaryWatch: z.optional(duration),
  /** KMS's waiting period of a scheduled deletion, 7 to 30. @default 30 */
  deletionWindowDays: z.optional(z.custom<KeySettings['deletionWindowDays']>(() => true)),
  /** On-demand rotations KMS allows per key (its API reference: 10), 1 to 25. @default 10 */
  onDemandRotationLimit: z.optional(z.custom<KeySettings['onDemandRotationLimit']>(() => true)),
});

const kmsKeyEntry = z
  .strictObject({
    kind: z.literal('kms-key'),
    /** Stable identifier, unique across `entries` and `keys`: the schedule, tags and audit events name it. */
    id: entryId,
    owner,
    /** Exactly one of `create` (keyturn creates the key) and `adopt` (it exists). */
    key: z.strictObject({ create: z.optional(createdKey), adopt: z.optional(adoptedKey) }).superRefine((key, ctx) => {
      if ((key.create === undefined) === (key.adopt === undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: `give exactly one of create or adopt, got ${JSON.stringify(Object.keys(key))}`,
        });
      }
    }),
    /** KMS rotates the key's material itself (symmetric encryption keys keyturn creates). */
    automaticRotation: z.optional(
      z.strictObject({
        /** @default 365 */
        periodDays: z.optional(
          z
            .int()
            .min(MIN_ROTATION_PERIOD_DAYS, {
              error: (i) => `must be at least ${MIN_ROTATION_PERIOD_DAYS} days (KMS's minimum), got ${String(i.input)}`,
            })
            .max(MAX_ROTATION_PERIOD_DAYS, {
              error: (i) => `must be at most ${MAX_ROTATION_PERIOD_DAYS} days (KMS's maximum), got ${String(i.input)}`,
            }),
        ),
      }),
    ),
    /** When keyturn's run starts: an on-demand rotation, or a replacement (see docs/kms-keys.md). */
    schedule: z.optional(schedule),
    settings: z.optional(keySettings),
    /** Named alert route (see `alerts.routes`); the policy's default route when absent. */
    alertRoute: z.optional(routeId),
    /** Tags of a created key (an adopted key is tagged at the key). */
    tags: z.optional(tags),
    /**
     * Tables of wrapped data keys to re-wrap under the key's current material whenever it changes (rewrap-jobs.ts,
     * docs/kms-rewrap.md). Symmetric encryption keys only: ReEncrypt wraps under nothing else.
     */
    rewrap: z.optional(
      z.array(rewrapJobSchema).max(MAX_REWRAP_JOBS_PER_KEY, {
        error: (i) =>
          `at most ${MAX_REWRAP_JOBS_PER_KEY} re-wrap jobs per key, got ${String((i.input as unknown[]).length)}`,
      }),
    ),
  })
  .superRefine((entry, ctx) => {
    const create = entry.key.create;
    if (entry.owner.roleArn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['owner', 'roleArn'],
        message: `a key's deletion is governed by its key policy, not by keyturn: remove ${entry.owner.roleArn}`,
      });
    }
    if (!create && entry.tags !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tags'],
        message: `keyturn tags only the keys it creates: tag an adopted key at the key (got ${Object.keys(entry.tags).join(', ')})`,
      });
    }
    if (create) createdKeyIssues(entry, create, ctx);
    else if (entry.automaticRotation !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['automaticRotation'],
        message:
          'keyturn cannot configure a key it does not create: turn automatic rotation on at the key (EnableKeyRotation), or give a schedule',
      });
    }
    if (entry.rewrap !== undefined) rewrapIssues(entry.rewrap, create, ctx);
    if (entry.schedule === undefined && (create === undefined || entry.automaticRotation === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message:
          create === undefined
            ? 'an adopted key needs a schedule: nothing else rotates it'
            : 'a key with no automaticRotation needs a schedule: nothing else rotates it',
      });
    }
    const resolved = resolveKeySettings(entry.settings);
    for (const problem of resolved.problems) {
      ctx.addIssue({ code: 'custom', path: ['settings', problem.setting], message: problem.message });
    }
    if ('settings' in resolved) {
      const seconds = keyRunSeconds(resolved.settings);
      if (seconds > MAX_RUN_SECONDS) {
        ctx.addIssue({
          code: 'custom',
          path: ['settings'],
          message:
            `grace, drain checks, verification hold and canary watch come to ${formatDuration(seconds)} with the ` +
            `run's tasks, longer than a Step Functions execution may run (${formatDuration(MAX_RUN_SECONDS)}): shorten them`,
        });
      }
    }
  });

/** A key keyturn creates: spec and usage agree, automatic rotation only where KMS rotates material. */
function createdKeyIssues(
  entry: { readonly automaticRotation?: unknown },
  create: z.output<typeof createdKey>,
  ctx: z.RefinementCtx,
): void {
  const spec: KmsKeySpec = create.keySpec ?? SYMMETRIC_ENCRYPTION_SPEC;
  const usages = usagesOf(spec);
  if (create.keyUsage === undefined && defaultUsageOf(spec) === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['key', 'create', 'keyUsage'],
      message: `a ${spec} key can be ${usages.join(' or ')}: say which`,
    });
  }
  if (create.keyUsage !== undefined && !usages.includes(create.keyUsage)) {
    ctx.addIssue({
      code: 'custom',
      path: ['key', 'create', 'keyUsage'],
      message: `a ${spec} key can be ${usages.join(' or ')}, got ${create.keyUsage}`,
    });
  }
  if (entry.automaticRotation !== undefined && spec !== SYMMETRIC_ENCRYPTION_SPEC) {
    ctx.addIssue({
      code: 'custom',
      path: ['automaticRotation'],
      message:
        `KMS rotates only symmetric encryption keys (${SYMMETRIC_ENCRYPTION_SPEC}) automatically, not a ${spec} key: ` +
        'remove automaticRotation; keyturn replaces the key on its schedule instead',
    });
  }
}

/** The jobs together, and a created key that cannot take re-wrapped data keys. */
function rewrapIssues(
  jobs: z.output<typeof rewrapJobSchema>[],
  create: z.output<typeof createdKey> | undefined,
  ctx: z.RefinementCtx,
): void {
  const spec = create?.keySpec ?? SYMMETRIC_ENCRYPTION_SPEC;
  if (create !== undefined && spec !== SYMMETRIC_ENCRYPTION_SPEC) {
    ctx.addIssue({
      code: 'custom',
      path: ['rewrap'],
      message: `ReEncrypt wraps data keys under symmetric encryption keys (${SYMMETRIC_ENCRYPTION_SPEC}) only, not a ${spec} key: remove rewrap`,
    });
  }
  for (const issue of rewrapJobsIssues(jobs)) {
    ctx.addIssue({ code: 'custom', path: ['rewrap', ...issue.path], message: issue.message });
  }
}

export const keyEntrySchema = z.discriminatedUnion('kind', [kmsKeyEntry]);
export type KeyEntryInput = z.input<typeof keyEntrySchema>;
export type KeyEntry = z.output<typeof keyEntrySchema>;
export type KmsKeyEntry = Extract<KeyEntry, { kind: 'kms-key' }>;

/** The alias a key entry names, if any. */
export function aliasOf(entry: KmsKeyEntry): string | undefined {
  return entry.key.create?.alias ?? entry.key.adopt?.alias;
}
