import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../functions/shared/stages';
import type { Invariant } from './invariants';
import { credentialOf } from './targets';
import type { ScenarioWorld } from './world';

/**
 * The checker's self-test: after a scenario, break one invariant on purpose, through the same
 * servers and APIs a bug would use, so a run can prove the checker sees it. Never part of a
 * generated scenario.
 */

export const PLANTS = [
  'lockout',
  'lost-version',
  'leak',
  'pending-left',
  'previous-not-prior-current',
  // Issued-key kinds: a key minted at the target that no version holds, and AWSCURRENT's key revoked there.
  'orphan-key',
  'revoked-current',
  // The value of a key the target issued that no version holds (an orphan's), printed: only the target's own records know it.
  'leaked-orphan',
  // Canary cohorts and replicated secrets (the first two strike as the lifecycle execution ends).
  'canary-moved-current',
  'canary-promoted-other',
  'canary-orphan',
  'canary-left',
  'revoked-while-replica-stale',
] as const;
export type Plant = (typeof PLANTS)[number];

/** The invariant each plant must trip. */
export const PLANTED_INVARIANT: Readonly<Record<Plant, Invariant>> = {
  lockout: 'lockout',
  'lost-version': 'lost-version',
  leak: 'leak',
  'pending-left': 'pending-left',
  'previous-not-prior-current': 'previous-not-prior-current',
  'orphan-key': 'orphan-key',
  'revoked-current': 'lockout',
  'leaked-orphan': 'leak',
  'canary-moved-current': 'canary-moved-current',
  'canary-promoted-other': 'canary-promoted-other',
  'canary-orphan': 'canary-orphan',
  'canary-left': 'canary-left',
  'revoked-while-replica-stale': 'revoked-while-replica-stale',
};

/** Plants that break what a lifecycle execution leaves: they strike as it ends, before the harness looks. */
export function isExecutionPlant(what: Plant): boolean {
  return what === 'canary-moved-current' || what === 'canary-promoted-other';
}

/** The candidate of the scenario's canary: the version the canary label was attached to first. */
function canaryCandidate(world: ScenarioWorld): { label: string; versionId: string } {
  const label = world.scenario.canary?.label;
  const versionId = world.env.stack.secretsManager
    .labelHistory(world.secretArn)
    .find((change) => change.label === label && change.change === 'attached')?.versionId;
  if (label === undefined || versionId === undefined) throw new Error('no canary candidate to plant on');
  return { label, versionId };
}

export async function plantAfterExecution(world: ScenarioWorld, what: Plant): Promise<void> {
  const { client } = world.env.stack;
  const { current } = world.labels();
  if (current === undefined) throw new Error('nothing to plant on: the secret has no AWSCURRENT');
  if (what === 'canary-moved-current') {
    // An abort that promoted the candidate instead of taking it back.
    const { versionId } = canaryCandidate(world);
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: world.secretArn,
        VersionStage: AWSCURRENT,
        MoveToVersionId: versionId,
        RemoveFromVersionId: current,
      }),
    );
    return;
  }
  // A promotion that made another value current than the one the cohort tried (random: any value is valid).
  await client.send(
    new PutSecretValueCommand({
      SecretId: world.secretArn,
      SecretString: randomBytes(24).toString('base64url'),
      VersionStages: [AWSCURRENT],
    }),
  );
}

export async function plant(world: ScenarioWorld, what: Plant): Promise<void> {
  const { client } = world.env.stack;
  const current = await world.env.readCurrent(world.secretArn);
  if (current === undefined) throw new Error('nothing to plant on: the secret has no AWSCURRENT');
  switch (what) {
    case 'lockout':
      // Someone changes the password on the server: AWSCURRENT no longer opens a session.
      if (world.issued) await world.issued.revokeCurrent(current);
      else await world.driver.sabotage(credentialOf(world.scenario.target, current));
      return;
    case 'revoked-current':
      // Someone revokes AWSCURRENT's key at IAM (deactivates it) or at the provider (deletes it).
      if (!world.issued) throw new Error('revoked-current applies to issued-key kinds only');
      await world.issued.revokeCurrent(current);
      return;
    case 'leaked-orphan': {
      if (!world.issued) throw new Error('leaked-orphan applies to issued-key kinds only');
      await world.issued.plantOrphan(current);
      const issued = world.issued.issuedValues();
      const orphan = issued[issued.length - 1];
      if (orphan === undefined) throw new Error('the target issued no key');
      world.capture('stdout', `{"level":"DEBUG","message":"key created","key":${JSON.stringify(orphan)}}\n`);
      return;
    }
    case 'orphan-key':
      // A key minted at the target and never stored, as a createSecret that died after the create would leave.
      if (!world.issued) throw new Error('orphan-key applies to issued-key kinds only');
      await world.issued.plantOrphan(current);
      return;
    case 'leak':
      // As if the function had printed the credential.
      world.capture('stdout', `{"level":"DEBUG","message":"connecting","credential":${JSON.stringify(current)}}\n`);
      return;
    case 'lost-version': {
      // The secret is deleted and made again under its name: same name, same value, new ARN, no history.
      const name = world.secretArn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? '';
      await client.send(new DeleteSecretCommand({ SecretId: world.secretArn, ForceDeleteWithoutRecovery: true }));
      await client.send(new CreateSecretCommand({ Name: name, SecretString: current }));
      return;
    }
    case 'pending-left': {
      // AWSPENDING put back on the previous version, as a finishSecret that forgot to remove it would leave it.
      const { previous } = world.labels();
      if (previous === undefined) throw new Error('nothing to plant on: the secret has no AWSPREVIOUS');
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: world.secretArn,
          VersionStage: AWSPENDING,
          MoveToVersionId: previous,
        }),
      );
      return;
    }
    case 'canary-moved-current':
    case 'canary-promoted-other':
      throw new Error(`${what} strikes as the lifecycle execution ends (plantAfterExecution)`);
    case 'canary-left': {
      // The canary label put back on a version by hand, as an abort or Verify that forgot to remove it would leave it.
      const label = world.scenario.canary?.label;
      const { previous } = world.labels();
      if (label === undefined || previous === undefined) throw new Error('canary-left needs a canary and AWSPREVIOUS');
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: world.secretArn,
          VersionStage: label,
          MoveToVersionId: previous,
        }),
      );
      return;
    }
    case 'canary-orphan': {
      // An abort that took the label off and skipped its revoke: the candidate's password still opens the user.
      const label = world.scenario.canary?.label;
      const redis = world.env.servers.redis;
      if (label === undefined || world.scenario.target !== 'redis') throw new Error('canary-orphan plants on redis');
      const candidate = { ...(JSON.parse(current) as { username: string }), password: randomBytes(24).toString('hex') };
      await redis.admin('ACL', 'SETUSER', candidate.username, `>${candidate.password}`);
      const stored = await client.send(
        new PutSecretValueCommand({
          SecretId: world.secretArn,
          SecretString: JSON.stringify(candidate),
          VersionStages: [label],
        }),
      );
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: world.secretArn,
          VersionStage: label,
          RemoveFromVersionId: stored.VersionId,
        }),
      );
      return;
    }
    case 'revoked-while-replica-stale': {
      // Replication stops; AWSCURRENT moves on at the primary (a new version, the same credential), then that
      // credential is revoked at the target: the replica region still hands it out.
      const region = world.scenario.replicas?.regions[0];
      if (region === undefined) throw new Error('revoked-while-replica-stale needs a replica region');
      world.env.stack.secretsManager.setReplicaStatus(world.secretArn, region, 'Failed', 'chaos self-test');
      await client.send(
        new PutSecretValueCommand({ SecretId: world.secretArn, SecretString: current, VersionStages: [AWSCURRENT] }),
      );
      await world.driver.sabotage(credentialOf(world.scenario.target, current));
      return;
    }
    case 'previous-not-prior-current': {
      // AWSPREVIOUS moved to a new version that never was current.
      const { previous } = world.labels();
      const other = await client.send(
        new PutSecretValueCommand({
          SecretId: world.secretArn,
          SecretString: `${current} `,
          VersionStages: ['chaos-planted'],
        }),
      );
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: world.secretArn,
          VersionStage: AWSPREVIOUS,
          MoveToVersionId: other.VersionId,
          ...(previous === undefined ? {} : { RemoveFromVersionId: previous }),
        }),
      );
      return;
    }
  }
}
