import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ServiceLocation } from './arn';
import type { Secret } from './state';

/**
 * Optional persistence of the local store to one JSON file: loaded at start, rewritten after
 * every change. This is a local development store, so secret values are written as they are,
 * unencrypted; the file is created readable by its owner only (mode 0600), and every write goes
 * to a temporary file that is then renamed over the old one, so a crash never leaves half a file.
 */

const SNAPSHOT_FORMAT = 'keyturn-local-secretsmanager';
const SNAPSHOT_VERSION = 1;

const isoDate = z.iso.datetime().transform((text) => new Date(text));

const versionSchema = z.object({
  versionId: z.string(),
  value: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('string'), text: z.string() }),
      z.object({ kind: z.literal('binary'), base64: z.string() }),
    ])
    .optional(),
  stages: z.array(z.string()),
  createdAt: isoDate,
  lastAccessedAt: isoDate.optional(),
});

const secretSchema = z.object({
  arn: z.string(),
  name: z.string(),
  description: z.string().optional(),
  kmsKeyId: z.string().optional(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
  versions: z.array(versionSchema),
  createdAt: isoDate,
  lastChangedAt: isoDate,
  lastAccessedAt: isoDate.optional(),
  lastRotatedAt: isoDate.optional(),
  nextRotationAt: isoDate.optional(),
  rotationEnabled: z.boolean().optional(),
  rotationLambdaArn: z.string().optional(),
  rotationRules: z
    .object({
      AutomaticallyAfterDays: z.number().optional(),
      Duration: z.string().optional(),
      ScheduleExpression: z.string().optional(),
    })
    .optional(),
  deletedAt: isoDate.optional(),
  deletionScheduledFor: isoDate.optional(),
  owningService: z.string().optional(),
  replicas: z
    .array(
      z.object({
        region: z.string(),
        kmsKeyId: z.string().optional(),
        status: z.enum(['InSync', 'InProgress', 'Failed']),
        statusMessage: z.string().optional(),
        held: z.boolean().optional(),
        forceOverwrite: z.boolean().optional(),
      }),
    )
    .optional(),
});

const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_VERSION),
  region: z.string(),
  accountId: z.string(),
  secrets: z.array(secretSchema),
});

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

/** The secrets stored at `path`, or undefined when there is no file yet. */
export function loadSnapshot(path: string, location: ServiceLocation): Secret[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SnapshotError(`${path} is not a JSON snapshot of the local Secrets Manager`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SnapshotError(
      `${path} is not a valid snapshot (at ${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'})`,
    );
  }
  // ARNs embed region and account: a snapshot from another location would hold secrets nobody can address.
  if (parsed.data.region !== location.region || parsed.data.accountId !== location.accountId) {
    throw new SnapshotError(
      `${path} holds secrets of region ${parsed.data.region} / account ${parsed.data.accountId}, ` +
        `not ${location.region} / ${location.accountId}`,
    );
  }
  return parsed.data.secrets;
}

/** Writes the snapshot atomically: temporary file (0600) in the same directory, then rename. */
export function writeSnapshot(path: string, location: ServiceLocation, secrets: readonly Secret[]): void {
  const snapshot = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    region: location.region,
    accountId: location.accountId,
    secrets,
  };
  mkdirSync(dirname(path), { recursive: true });
  const temporaryPath = `${path}.${process.pid}.tmp`;
  writeFileSync(temporaryPath, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporaryPath, path);
}
