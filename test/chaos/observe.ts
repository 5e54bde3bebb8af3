import { GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT } from '../../functions/shared/stages';
import type { CanaryReplicaObservation } from './canary-replica-world';
import type { IssuedKeyTarget } from './issued-keys';
import type { OutputEntry } from './outputs';
import type { ScenarioKind, TargetKind } from './scenario';
import type { ConcurrentError, SuccessSnapshot, ScenarioWorld } from './world';

/**
 * What the checker looks at once a scenario is over, read from the real servers and the local
 * Secrets Manager (its own journal of label moves, never the code under test's account of them).
 */

export interface ObservedVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
  /** Undefined for a placeholder that never got a value. */
  readonly value?: string;
}

/** A value no output may hold, and what it is (for messages: never the value itself). */
export interface SecretValue {
  readonly what: string;
  readonly value: string;
}

/** What the target that issues the scenario's keys holds at the end (issued-key kinds). */
export interface IssuedKeysObservation {
  /** The most keys the target allows the user or account. */
  readonly cap: number;
  /** The keys the target holds now: id, whether active, and the labels of each version holding it (none: [] per unlabelled version). */
  readonly keys: readonly {
    readonly id: string;
    readonly active: boolean;
    readonly heldBy: readonly (readonly string[])[];
  }[];
}

export interface Observation {
  readonly number: number;
  readonly kind: ScenarioKind;
  readonly target: TargetKind;
  /** False when the secret itself is gone. */
  readonly secretExists: boolean;
  /** Every version the secret has now, deprecated ones included. */
  readonly versions: readonly ObservedVersion[];
  /** Versions that ever held AWSCURRENT, in the order they got it (the emulator's journal). */
  readonly everCurrent: readonly string[];
  /** The version that held AWSCURRENT just before the last move of AWSCURRENT. */
  readonly priorCurrent?: string;
  /** Whether a rotation succeeded after the faults were lifted. */
  readonly recovered: boolean;
  /** Whether AWSCURRENT authenticates against the server now (undefined: no AWSCURRENT to try). */
  readonly currentAuthenticates?: boolean;
  /** For kinds that promise zero downtime: whether AWSCURRENT authenticated right after the faults were lifted, before any recovery. */
  readonly currentAuthenticatedBeforeRecovery?: boolean;
  /** Labels right after each rotation that reported success with nothing else running. */
  readonly successSnapshots: readonly SuccessSnapshot[];
  readonly concurrentErrors: readonly ConcurrentError[];
  readonly secretValues: readonly SecretValue[];
  readonly outputs: readonly OutputEntry[];
  /** Issued-key kinds: the keys at IAM or the provider. */
  readonly issuedKeys?: IssuedKeysObservation;
  /** Scenarios with a canary or replicas: what the checker needs of them (canary-replica-world.ts). */
  readonly canaryReplica?: CanaryReplicaObservation;
}

export interface ObservationInputs {
  readonly recovered: boolean;
  readonly currentAuthenticatedBeforeRecovery?: boolean;
}

export async function observe(world: ScenarioWorld, inputs: ObservationInputs): Promise<Observation> {
  const { env, scenario, secretArn } = world;
  const versions = await listVersions(world);
  const journal = env.stack.secretsManager.labelHistory(secretArn);
  const currentMoves = journal.filter((change) => change.label === AWSCURRENT && change.change === 'attached');
  const everCurrent = [...new Set(currentMoves.map((change) => change.versionId))];
  const priorCurrent = currentMoves.length >= 2 ? currentMoves[currentMoves.length - 2]?.versionId : undefined;

  const current = versions?.find((version) => version.stages.includes(AWSCURRENT));
  const currentAuthenticates = current?.value === undefined ? undefined : await world.authenticates(current.value);

  // Errors Secrets Manager recorded for the rotation runs, as the console and CloudTrail show them.
  for (const record of env.stack.secretsManager.rotationHistory(secretArn)) {
    if (record.error) world.outputs.add('error', `${record.error.name}: ${record.error.message}`);
  }
  for (const message of env.stack.sns.messages().slice(world.startedAt.alerts)) {
    world.outputs.add('alert', JSON.stringify(message));
  }
  for (const event of env.stack.eventBridge.events().slice(world.startedAt.auditEvents)) {
    world.outputs.add('audit-event', JSON.stringify(event));
  }
  world.outputs.add('coordinator-log', env.capture.since(world.startedAt.processOutput));

  const issued = world.issued;
  const secretsIn = (value: string) => (issued ? issued.secretsIn(value) : world.driver.secretsIn(value));
  const secretValues: SecretValue[] = [
    ...env.masterPasswords,
    // Every key the target ever issued for the scenario, as the target itself records them.
    ...(issued?.issuedValues().map((value, index) => ({ what: `key #${index + 1} issued by the target`, value })) ??
      []),
    ...(versions ?? []).flatMap((version) =>
      version.value === undefined
        ? []
        : secretsIn(version.value).map((value) => ({ what: `the value of version ${version.versionId}`, value })),
    ),
  ];
  const canaryReplica = versions === undefined ? undefined : await world.canaryReplica.observe();
  return {
    number: scenario.number,
    kind: scenario.kind,
    target: scenario.target,
    secretExists: versions !== undefined,
    versions: versions ?? [],
    everCurrent,
    ...(priorCurrent === undefined ? {} : { priorCurrent }),
    recovered: inputs.recovered,
    ...(currentAuthenticates === undefined ? {} : { currentAuthenticates }),
    ...(inputs.currentAuthenticatedBeforeRecovery === undefined
      ? {}
      : { currentAuthenticatedBeforeRecovery: inputs.currentAuthenticatedBeforeRecovery }),
    successSnapshots: world.successSnapshots,
    concurrentErrors: world.concurrentErrors,
    secretValues,
    outputs: world.outputs.all(),
    ...(issued ? { issuedKeys: await observeIssuedKeys(issued, versions ?? []) } : {}),
    ...(canaryReplica ? { canaryReplica } : {}),
  };
}

async function observeIssuedKeys(
  issued: IssuedKeyTarget,
  versions: readonly ObservedVersion[],
): Promise<IssuedKeysObservation> {
  const held = await issued.keys();
  return {
    cap: issued.cap,
    keys: held.map((key) => ({
      id: key.id,
      active: key.active,
      heldBy: versions
        .filter((version) => version.value !== undefined && issued.keyIdOf(version.value) === key.id)
        .map((version) => version.stages),
    })),
  };
}

/** Every version with its labels and value; undefined when the secret no longer exists. */
async function listVersions(world: ScenarioWorld): Promise<ObservedVersion[] | undefined> {
  const { client } = world.env.stack;
  const listed: { versionId: string; stages: string[] }[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListSecretVersionIdsCommand({ SecretId: world.secretArn, IncludeDeprecated: true, NextToken: nextToken }),
      );
      for (const version of page.Versions ?? []) {
        if (version.VersionId) listed.push({ versionId: version.VersionId, stages: version.VersionStages ?? [] });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  return Promise.all(
    listed.map(async (version) => {
      try {
        const out = await client.send(
          new GetSecretValueCommand({ SecretId: world.secretArn, VersionId: version.versionId }),
        );
        return out.SecretString === undefined ? version : { ...version, value: out.SecretString };
      } catch (error) {
        // A placeholder RotateSecret made and no createSecret filled: it has no value.
        if ((error as Error).name === 'ResourceNotFoundException') return version;
        throw error;
      }
    }),
  );
}
