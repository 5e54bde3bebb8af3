import type { RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { describeError } from '../../shared/errors';
import type { SecretDescription, SecretStore } from '../../shared/secret-store';
import { AWSCURRENT } from '../../shared/stages';
import { describeIssues } from '../../shared/validation';
import { InvalidSecretValueError, MasterSecretError } from '../errors';
import { parseJsonObject } from '../json-value';
import { type DatabaseLocation, describeLocation, parseDatabaseLocation } from './location';
import { DEFAULT_PORT_BY_FAMILY, type EngineFamily } from './rds-endpoint';
import { isRdsManagedSecret, RDS_PRIMARY_CLUSTER_TAG, RDS_PRIMARY_INSTANCE_TAG } from './rds-managed';
import { rdsRef, refKey, refOf, sameDatabase } from './same-database';

/**
 * The master user's credential for alternating users, engine-agnostic. The master secret is
 * either one the user owns (AWS's database JSON: host or identifier, username, password) or one
 * Amazon RDS manages (`rds!...`: only username and password; its tag names the database). Either
 * way it must reach the database the rotated user's secret is on; every refusal is
 * MasterSecretError naming ARNs and identifiers, never values. keyturn only reads it.
 */

export interface MasterCredential {
  readonly masterArn: string;
  readonly username: string;
  readonly password: string;
  /** The master secret is RDS's own (`rds!...`): read, never rotated by keyturn. */
  readonly managedByRds: boolean;
  /**
   * Where the master logs in. An ordinary master: its own location. An RDS-managed one (which
   * holds no host): the rotated user's location when that names the tagged database itself;
   * otherwise (the user's secret points at a cluster member, a reader or a replica, where a
   * password cannot be set) the tagged database, whose endpoint RDS resolves to the writer.
   */
  readonly location: DatabaseLocation;
  /** How the master's database relates to the user's (same-database, replication-group...). */
  readonly relation: 'same-endpoint' | 'same-database' | 'replication-group';
  /** The master secret's other fields (dbname, ssl, engine...; not username or password); empty for RDS-managed ones. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface ReadMasterSecretInput {
  readonly store: SecretStore;
  readonly rds: RDSClient;
  readonly masterArn: string;
  /** The location parsed from the rotated user's secret. */
  readonly userLocation: DatabaseLocation;
  readonly engineFamily: EngineFamily;
  /** @default the family's port (5432 / 3306) */
  readonly defaultPort?: number;
}

const credentialSchema = z.looseObject({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
});

function parseCredential(
  value: string,
  masterArn: string,
): { username: string; password: string; fields: Record<string, unknown> } {
  try {
    const fields = parseJsonObject(value, 'master secret');
    const result = credentialSchema.safeParse(fields);
    if (!result.success) {
      throw new InvalidSecretValueError(`(${describeIssues(result.error.issues, 'value')})`);
    }
    return { username: result.data.username, password: result.data.password, fields };
  } catch (error) {
    if (error instanceof InvalidSecretValueError) {
      throw new MasterSecretError(
        `the master secret ${masterArn} has no usable username and password: ${error.message}`,
      );
    }
    throw error;
  }
}

function withoutCredential(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => key !== 'username' && key !== 'password'));
}

async function describeMaster(store: SecretStore, masterArn: string): Promise<SecretDescription> {
  try {
    return await store.describe(masterArn);
  } catch (error) {
    throw new MasterSecretError(`the master secret ${masterArn} cannot be described: ${describeError(error)}`);
  }
}

async function readCurrentValue(store: SecretStore, masterArn: string): Promise<string> {
  let version;
  try {
    version = await store.getVersion(masterArn, { stage: AWSCURRENT });
  } catch (error) {
    throw new MasterSecretError(`the master secret ${masterArn} cannot be read: ${describeError(error)}`);
  }
  if (!version) throw new MasterSecretError(`the master secret ${masterArn} has no AWSCURRENT value`);
  return version.value;
}

/** The database an RDS-managed secret belongs to, from its `aws:rds:primaryDB{Instance,Cluster}Arn` tag. */
function rdsManagedLocation(description: SecretDescription): DatabaseLocation {
  const clusterArn = description.tags[RDS_PRIMARY_CLUSTER_TAG];
  if (clusterArn) return { clusterIdentifier: rdsRef(clusterArn, 'cluster').id };
  const instanceArn = description.tags[RDS_PRIMARY_INSTANCE_TAG];
  if (instanceArn) return { instanceIdentifier: rdsRef(instanceArn, 'instance').id };
  throw new MasterSecretError(
    `the RDS-managed master secret ${description.arn} has no ${RDS_PRIMARY_INSTANCE_TAG} or ${RDS_PRIMARY_CLUSTER_TAG} tag: ` +
      'keyturn cannot tell which database it belongs to',
  );
}

async function checkSameDatabase(
  input: ReadMasterSecretInput,
  masterLocation: DatabaseLocation,
  defaultPort: number,
): Promise<MasterCredential['relation']> {
  let result;
  try {
    result = await sameDatabase(input.rds, masterLocation, input.userLocation, { defaultPort });
  } catch (error) {
    throw new MasterSecretError(
      `cannot tell whether the master secret ${input.masterArn} (${describeLocation(masterLocation)}) is on the ` +
        `rotated user's database (${describeLocation(input.userLocation)}): ${describeError(error)}`,
    );
  }
  if (!result.same) {
    throw new MasterSecretError(
      `the master secret ${input.masterArn} is not for the rotated user's database: ${result.reason}`,
    );
  }
  return result.relation;
}

/**
 * Reads and checks the master secret named by a secret's `masterarn`: an RDS-managed one is read
 * (AWSCURRENT) without ever being rotated, and must be tagged with the user's database (or the
 * primary the user's replica follows); an ordinary one must locate the same database or a replica.
 */
export async function readMasterSecret(input: ReadMasterSecretInput): Promise<MasterCredential> {
  const { store, masterArn } = input;
  const defaultPort = input.defaultPort ?? DEFAULT_PORT_BY_FAMILY[input.engineFamily];
  const description = await describeMaster(store, masterArn);
  const value = await readCurrentValue(store, masterArn);
  const credential = parseCredential(value, masterArn);

  if (isRdsManagedSecret(description)) {
    const tagged = rdsManagedLocation(description);
    const relation = await checkSameDatabase(input, tagged, defaultPort);
    const taggedRef = refOf(tagged);
    const userRef = refOf(input.userLocation);
    const userNamesTagged = taggedRef !== undefined && userRef !== undefined && refKey(taggedRef) === refKey(userRef);
    return {
      masterArn: description.arn,
      username: credential.username,
      password: credential.password,
      managedByRds: true,
      location: userNamesTagged ? input.userLocation : tagged,
      relation,
      fields: {},
    };
  }

  let masterLocation: DatabaseLocation;
  try {
    masterLocation = parseDatabaseLocation(credential.fields, 'master secret');
  } catch (error) {
    throw new MasterSecretError(`the master secret ${masterArn} does not locate its database: ${describeError(error)}`);
  }
  const relation = await checkSameDatabase(input, masterLocation, defaultPort);
  return {
    masterArn: description.arn,
    username: credential.username,
    password: credential.password,
    managedByRds: false,
    location: masterLocation,
    relation,
    fields: withoutCredential(credential.fields),
  };
}
