import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import type { AuditWriter } from '../shared/audit';
import type { Deadline } from '../shared/deadline';
import { describeError } from '../shared/errors';
import type { AlertPublisher } from '../tasks/alerts';
import { InvalidTaskInputError } from '../tasks/errors';
import { AliasMismatchError, OldKeyStillUsedError } from './errors';
import { isSymmetricEncryptionKey } from './key-facts';
import type { KmsKeyApi, RefusedUse } from './kms-api';
import { judgeOldKeyUse } from './old-key-use';
import {
  prepareOnDemandRotation,
  startOnDemandRotation,
  verifyOnDemandRotation,
  type OnDemandRotationState,
} from './on-demand-rotation';
import {
  checkAlias,
  createReplacementKey,
  disableOldKey,
  retireStrayReplacements,
  rollBackReplacement,
  scheduleOldKeyDeletion,
  switchAlias,
  verifyKey,
} from './replacement';
import { REPLACEMENT_TAGS } from './replacement-key';
import { rotationMethodOf } from './rotation-method';
import { parseKeyRunInput, type KeyRunInput } from './run-input';

/**
 * The kms-key state machine's tasks (statemachines/kms-key.asl.json). Each receives the execution's state
 * (the run input under `input`, earlier tasks' results beside it) and returns its own result; each is
 * idempotent, so Step Functions may retry any of them after a crash. Audit events name keys and counts only.
 */

export interface KeyTaskDeps {
  readonly kms: KmsKeyApi;
  readonly audit: AuditWriter;
  readonly alerts: AlertPublisher;
  readonly defaultAlertTopicArn?: string;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly deadline: Deadline;
}

export const KEY_TASKS = [
  'begin',
  'rotate-on-demand',
  'verify-on-demand',
  'create-replacement',
  'switch-alias',
  'drain',
  'disable-old',
  'check-canary',
  'schedule-deletion',
  'rollback',
  'report',
] as const;
export type KeyTaskName = (typeof KEY_TASKS)[number];

/** The key events on the audit bus (source keyturn.rotation, like the secrets' events). */
export const KeyAuditEventType = {
  Started: 'KeyRotationStarted',
  MaterialRotated: 'KeyMaterialRotated',
  ReplacementCreated: 'ReplacementKeyCreated',
  AliasMoved: 'KeyAliasMoved',
  OldKeyUsageChecked: 'OldKeyUsageChecked',
  OldKeyDisabled: 'OldKeyDisabled',
  OldKeyDeletionScheduled: 'OldKeyDeletionScheduled',
  RolledBack: 'KeyRotationRolledBack',
  Completed: 'KeyRotationCompleted',
  Skipped: 'KeyRotationSkipped',
  LeftInUse: 'OldKeyLeftInUse',
  Failed: 'KeyRotationFailed',
} as const;

const canarySchema = z.object({
  keyId: z.string(),
  ciphertext: z.string(),
  plaintextDigest: z.string(),
  keyMaterialId: z.optional(z.string()),
});
const beginSchema = z.object({
  rotationId: z.string(),
  keyId: z.string(),
  keyArn: z.string(),
  keyUsage: z.string(),
  method: z.enum(['on-demand', 'replace']),
  skipped: z.boolean(),
  onDemand: z.optional(z.object({ keyId: z.string(), rotationsBefore: z.int(), canary: canarySchema })),
});
const replacementSchema = z.object({ newKeyId: z.string(), newKeyArn: z.string() });
const switchSchema = z.object({ switchedAt: z.string(), holdSeconds: z.int() });
const disabledSchema = z.object({ disabledAt: z.string() });

const stateSchema = z.object({
  input: z.unknown(),
  executionArn: z.string(),
  rotationId: z.string(),
  begin: z.optional(beginSchema),
  replacement: z.optional(replacementSchema),
  switch: z.optional(switchSchema),
  disabled: z.optional(disabledSchema),
  drain: z.optional(z.object({ inUse: z.union([z.boolean(), z.literal('unknown')]), evidence: z.string() })),
  outcome: z.optional(z.enum(['completed', 'failed', 'skipped', 'left-in-use'])),
  failedStep: z.optional(z.string()),
  failure: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
});
type KeyRunState = z.output<typeof stateSchema>;

interface Run {
  readonly state: KeyRunState;
  readonly input: KeyRunInput;
}

function parseState(event: unknown, task: KeyTaskName): Run {
  const parsed = stateSchema.safeParse(event);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(state)'}: ${issue.message}`);
    throw new InvalidTaskInputError(`kms-key task state is invalid: ${issues.join('; ')}`);
  }
  try {
    return { state: parsed.data, input: parseKeyRunInput(parsed.data.input) };
  } catch (error) {
    // The report of a run refused for its input must still be audited and alerted: it names what it can.
    if (task !== 'report') throw error;
    return { state: parsed.data, input: reportableInput(parsed.data.input) };
  }
}

/** The ids of an input that did not parse (as strings, when they are), with default settings. */
function reportableInput(raw: unknown): KeyRunInput {
  const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value.length <= 2048 ? value : 'unknown');
  return {
    ...parseKeyRunInput({ entryId: 'unknown', keyId: 'unknown' }),
    entryId: text(fields.entryId),
    keyId: text(fields.keyId),
  };
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new InvalidTaskInputError(`kms-key task state lacks ${what}`);
  return value;
}

export async function runKeyTask(task: KeyTaskName, event: unknown, deps: KeyTaskDeps): Promise<unknown> {
  const run = parseState(event, task);
  const audit = (type: string, facts: Record<string, unknown> = {}) =>
    deps.audit.write({
      type,
      detail: {
        rotationId: run.state.rotationId,
        executionArn: run.state.executionArn,
        entryId: run.input.entryId,
        keyId: run.state.begin?.keyArn ?? run.input.keyId,
        emergency: run.input.emergency,
        ...facts,
      },
      resources: [run.state.begin?.keyArn ?? run.input.keyId],
    });
  switch (task) {
    case 'begin':
      return begin(run, deps, audit);
    case 'rotate-on-demand': {
      const onDemand = need(need(run.state.begin, 'begin').onDemand, 'begin.onDemand') as OnDemandRotationState;
      return { started: await startOnDemandRotation(deps.kms, onDemand) };
    }
    case 'verify-on-demand': {
      const onDemand = need(need(run.state.begin, 'begin').onDemand, 'begin.onDemand') as OnDemandRotationState;
      const verified = await verifyOnDemandRotation(deps.kms, onDemand, deps.deadline);
      await audit(KeyAuditEventType.MaterialRotated, { ...verified });
      return verified;
    }
    case 'create-replacement': {
      const begun = need(run.state.begin, 'begin');
      const old = await deps.kms.describeKey(begun.keyId);
      const made = await createReplacementKey(deps.kms, old, begun.rotationId, run.input.entryId);
      const proof = await verifyKey(deps.kms, made.key);
      await audit(KeyAuditEventType.ReplacementCreated, {
        newKeyId: made.key.arn,
        created: made.created,
        straysScheduledForDeletion: made.straysScheduledForDeletion,
        verified: proof,
      });
      return { newKeyId: made.key.keyId, newKeyArn: made.key.arn };
    }
    case 'switch-alias':
      return switchToReplacement(run, deps, audit);
    case 'drain': {
      const begun = need(run.state.begin, 'begin');
      const switched = need(run.state.switch, 'switch');
      const use = judgeOldKeyUse(await deps.kms.lastUse(begun.keyId), new Date(switched.switchedAt), deps.now());
      await audit(KeyAuditEventType.OldKeyUsageChecked, { ...use });
      return use;
    }
    case 'disable-old': {
      const begun = need(run.state.begin, 'begin');
      await checkAliasOnReplacement(run, deps.kms);
      const disabledAt = await disableOldKey(deps.kms, begun.keyId, begun.rotationId, deps.now());
      await audit(KeyAuditEventType.OldKeyDisabled, { disabledAt: disabledAt.toISOString() });
      return { disabledAt: disabledAt.toISOString() };
    }
    case 'check-canary':
      return checkCanary(run, deps, audit);
    case 'schedule-deletion': {
      const begun = need(run.state.begin, 'begin');
      await checkAliasOnReplacement(run, deps.kms);
      const at = await scheduleOldKeyDeletion(deps.kms, begun.keyId, run.input.settings.deletionWindowDays);
      await audit(KeyAuditEventType.OldKeyDeletionScheduled, { deletionDate: at.toISOString() });
      return { deletionDate: at.toISOString() };
    }
    case 'rollback':
      return rollback(run, deps, audit);
    case 'report':
      return report(run, deps, audit);
  }
}

type Audit = (type: string, facts?: Record<string, unknown>) => Promise<void>;

async function begin(run: Run, deps: KeyTaskDeps, audit: Audit) {
  const { input, state } = run;
  const key = await deps.kms.describeKey(await currentGeneration(deps.kms, input));
  // Only keys whose material rotates have a rotation history: KMS refuses ListKeyRotations for the others.
  const rotations = isSymmetricEncryptionKey(key) ? await deps.kms.listRotations(key.keyId) : [];
  const materials = key.origin === 'EXTERNAL' ? await deps.kms.listMaterials(key.keyId) : [];
  const method = rotationMethodOf({
    key,
    rotations,
    materials,
    onDemandRotationLimit: input.settings.onDemandRotationLimit,
  });
  if (input.aliasName) await checkAlias(deps.kms, input.aliasName, [key.keyId]);
  const base = {
    // The settings with their defaults, and the mode: the state machine reads them from here.
    settings: input.settings,
    emergency: input.emergency,
    rotationId: state.rotationId,
    keyId: key.keyId,
    keyArn: key.arn,
    keyUsage: key.keyUsage,
    method: method.method,
  };
  if (method.method === 'replace') {
    if (!input.aliasName) {
      throw new AliasMismatchError(
        `KMS key ${key.keyId} is replaced (${method.why}): the entry must name the alias consumers use, which moves to the new key`,
      );
    }
    await audit(KeyAuditEventType.Started, { method: 'replace', why: method.why });
    return { ...base, skipped: false };
  }
  const running = await deps.kms.onDemandRotationInProgress(key.keyId);
  if (running) {
    // Reported, not repeated: another rotation of this key's material is already under way.
    return { ...base, skipped: true, inProgressSince: running.toISOString() };
  }
  const onDemand = await prepareOnDemandRotation(deps.kms, key.keyId);
  await audit(KeyAuditEventType.Started, { method: 'on-demand', onDemandRotationsLeft: method.onDemandRotationsLeft });
  return { ...base, skipped: false, onDemand };
}

/**
 * The key a run rotates: the one the input names or, once an earlier run replaced it, the replacement the alias
 * now points at (a key keyturn made for this entry: tagged keyturn:entry with its id). A schedule names the key
 * CDK knows; the alias is what follows the generations. Any other target of the alias is left to checkAlias.
 */
async function currentGeneration(kms: KmsKeyApi, input: KeyRunInput): Promise<string> {
  if (!input.aliasName) return input.keyId;
  const target = await kms.aliasTarget(input.aliasName);
  if (target === undefined || input.keyId === target || input.keyId.endsWith(`/${target}`)) return input.keyId;
  const tags = await kms.tags(target);
  const ours =
    tags.some((tag) => tag.key === REPLACEMENT_TAGS.entry && tag.value === input.entryId) &&
    tags.some((tag) => tag.key === REPLACEMENT_TAGS.replaces);
  return ours ? target : input.keyId;
}

async function switchToReplacement(run: Run, deps: KeyTaskDeps, audit: Audit) {
  const aliasName = need(run.input.aliasName, 'input.aliasName');
  const begun = need(run.state.begin, 'begin');
  const replacement = need(run.state.replacement, 'replacement');
  // The alias must still be where the run left it (on the old key, or on the new one after a retry).
  await checkAlias(deps.kms, aliasName, [begun.keyId, replacement.newKeyId]);
  await switchAlias(deps.kms, aliasName, replacement.newKeyId);
  const switchedAt = deps.now();
  const straysScheduledForDeletion = await retireStrayReplacements(
    deps.kms,
    { oldKeyId: begun.keyId, rotationId: begun.rotationId, aliasName },
    replacement.newKeyId,
  );
  await audit(KeyAuditEventType.AliasMoved, {
    aliasName,
    from: begun.keyArn,
    to: replacement.newKeyArn,
    straysScheduledForDeletion,
  });
  const keep = begun.keyUsage === 'SIGN_VERIFY' ? run.input.settings.keepForVerificationSeconds : 0;
  const elapsedByDrain = run.input.settings.graceSeconds;
  return { switchedAt: switchedAt.toISOString(), holdSeconds: Math.max(0, keep - elapsedByDrain) };
}

/**
 * Before the old key is disabled or its deletion scheduled: the alias must still point at the replacement. An
 * operator who moved it back (to the old key, or elsewhere) has taken the rotation over: retiring the key the
 * alias points at would lock every consumer out, so the run stops (AliasMismatchError) and rolls back.
 */
async function checkAliasOnReplacement(run: Run, kms: KmsKeyApi): Promise<void> {
  const aliasName = need(run.input.aliasName, 'input.aliasName');
  await checkAlias(kms, aliasName, [need(run.state.replacement, 'replacement').newKeyId]);
}

/**
 * After the canary window: the old key was disabled, so a consumer that still names it fails, and CloudTrail
 * records the refused call (KMS's own last-use record keeps successful uses only). Any refused call, a use
 * that succeeded (someone enabled the key again) or the key found in another state stops the run before the
 * deletion: the failure path rolls back (old key enabled, alias back) and alerts.
 */
async function checkCanary(run: Run, deps: KeyTaskDeps, audit: Audit) {
  const begun = need(run.state.begin, 'begin');
  // CloudTrail and KMS date calls to the second: look from the start of the second the key was disabled in.
  const disabledAt = new Date(Math.floor(Date.parse(need(run.state.disabled, 'disabled').disabledAt) / 1000) * 1000);
  const facts = await deps.kms.describeKey(begun.keyId);
  const use = await deps.kms.lastUse(begun.keyId);
  // A success in the very second of the disable may have come just before it: only later ones count.
  const usedSince = use.at !== undefined && use.at.getTime() >= disabledAt.getTime() + 1000;
  const refused = await deps.kms.refusedUsesSince(begun.keyArn, disabledAt);
  const refusedCount = refused === 'unavailable' ? 'unknown' : refused.length;
  await audit(KeyAuditEventType.OldKeyUsageChecked, {
    phase: 'canary',
    keyState: facts.keyState,
    usedSinceDisabled: usedSince,
    refusedCalls: refusedCount,
    refused:
      refused === 'unavailable'
        ? []
        : refused.slice(0, 3).map((r) => `${r.eventName} ${r.errorCode} at ${r.at.toISOString()}`),
  });
  const problem = canaryProblem(facts.keyState, usedSince ? use.at : undefined, refused);
  if (problem) {
    throw new OldKeyStillUsedError(
      `KMS key ${begun.keyId} ${problem} after keyturn disabled it: a consumer still depends on it; its deletion is not scheduled`,
    );
  }
  return { healthy: true, refusedCalls: refusedCount };
}

/** Why the disabled old key is not safe to delete, or undefined when it is. */
function canaryProblem(
  keyState: string,
  usedAt: Date | undefined,
  refused: readonly RefusedUse[] | 'unavailable',
): string | undefined {
  if (keyState !== 'Disabled') return `was found ${keyState}`;
  if (usedAt) return `was used at ${usedAt.toISOString()}`;
  const first = refused === 'unavailable' ? undefined : refused[0];
  if (first) return `was refused to ${refused.length} call(s) (first: ${first.eventName} ${first.errorCode})`;
  return undefined;
}

async function rollback(run: Run, deps: KeyTaskDeps, audit: Audit) {
  const begun = run.state.begin;
  if (!begun || begun.method !== 'replace' || !run.input.aliasName) return { rolledBack: false, done: [] };
  const done = await rollBackReplacement(deps.kms, {
    rotationId: begun.rotationId,
    aliasName: run.input.aliasName,
    oldKeyId: begun.keyId,
    oldKeyArn: begun.keyArn,
    newKeyId: run.state.replacement?.newKeyId,
  });
  await audit(KeyAuditEventType.RolledBack, { done });
  return { rolledBack: true, done };
}

async function report(run: Run, deps: KeyTaskDeps, audit: Audit) {
  const { state, input } = run;
  const outcome = need(state.outcome, 'outcome');
  if (outcome === 'completed') {
    await audit(KeyAuditEventType.Completed, {
      method: state.begin?.method,
      newKeyId: state.replacement?.newKeyArn,
    });
    return { outcome, alerted: false };
  }
  if (outcome === 'skipped') {
    await audit(KeyAuditEventType.Skipped, { reason: 'an on-demand rotation of the key is already in progress' });
    return { outcome, alerted: false };
  }
  const topicArn = input.alertTopicArn ?? deps.defaultAlertTopicArn;
  const failure = state.failure
    ? { error: state.failure.Error, cause: (state.failure.Cause ?? '').slice(0, 1000) }
    : undefined;
  if (outcome === 'left-in-use') {
    await audit(KeyAuditEventType.LeftInUse, { evidence: state.drain?.evidence });
  } else {
    await audit(KeyAuditEventType.Failed, { step: state.failedStep ?? 'Begin', ...failure });
  }
  if (!topicArn) return { outcome, alerted: false };
  try {
    await deps.alerts.publish({
      topicArn,
      rotationId: state.rotationId,
      severity: outcome === 'failed' ? 'critical' : 'warning',
      subject: `keyturn: KMS key rotation ${outcome === 'failed' ? 'failed' : 'left the old key in use'} (${input.entryId})`,
      message: [
        `entry ${input.entryId}, key ${state.begin?.keyArn ?? input.keyId}, rotation ${state.rotationId}`,
        outcome === 'failed'
          ? `failed at ${state.failedStep ?? 'Begin'}: ${failure?.error ?? 'unknown'}: ${failure?.cause ?? ''}`
          : `the old key is still in use: ${state.drain?.evidence ?? 'unknown'}`,
        `execution ${state.executionArn}`,
      ].join('\n'),
      ...(state.failedStep ? { step: state.failedStep } : {}),
    });
    return { outcome, alerted: true };
  } catch (error) {
    deps.logger.error('alert not delivered', { error: describeError(error) });
    return { outcome, alerted: false };
  }
}
