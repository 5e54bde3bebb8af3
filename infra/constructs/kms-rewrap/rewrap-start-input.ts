import { createHash } from 'node:crypto';
import { Token } from 'aws-cdk-lib';
import type { RewrapRequest } from '../../../functions/kms-rewrap/contract';
import { parseRewrapRequest } from '../../../functions/kms-rewrap/input';
import { type ResolvedRewrapJob, rewrapRequestOf } from '../../policy/rewrap-jobs';
import type { RotatedKey } from '../kms-keys/rotated-keys';

/**
 * What `statemachines/rewrap-start.asl.json` takes: a key's jobs, each with its execution name prefix, its segments
 * and its request (all but the segment, which the starter adds), and the change that triggered it.
 */

/** The request of every segment of a job, but the segment. */
export type JobRequest = Omit<RewrapRequest, 'segment'>;

/** One job of the starter's input. */
export interface StarterJob {
  /** `<table, at most 30 characters>-<8 hex digits of the entry, table and attribute>`: at most 39 characters. */
  readonly name: string;
  /** `[0, 1, ..., segments - 1]`. */
  readonly segments: readonly number[];
  readonly request: JobRequest;
}

/** The starter's execution input. */
export interface StarterInput {
  readonly entryId: string;
  /** What changed the key (an event's detail-type). */
  readonly trigger: string;
  /** The change: the new key material's id, or the new key's ARN. Hashed into every execution name. */
  readonly identity: string;
  readonly jobs: readonly StarterJob[];
}

/** What the name prefix may take of the table name (the rest of 80 characters: `-<segment>-<32 hex digits>`). */
const TABLE_PART = 30;

/**
 * The execution name prefix of a job: readable (the table) and unique (a digest of the entry, the table and the
 * attribute, as two jobs of one table differ by attribute). Table names are [A-Za-z0-9_.-]: allowed in names.
 */
export function jobNamePrefix(entryId: string, job: ResolvedRewrapJob): string {
  const digest = createHash('sha256')
    .update([entryId, job.tableName, job.ciphertextAttribute].join('\u0000'))
    .digest('hex')
    .slice(0, 8);
  return `${job.tableName.slice(0, TABLE_PART)}-${digest}`;
}

/** Stand-in for a key ARN CloudFormation resolves at deploy time, so a request with one can be checked now. */
const TOKEN_STAND_IN = 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000';

/**
 * The starter jobs of `key`: the target is the entry's alias where it has one (it follows a replacement), else its
 * key; the sources are the entry's key, `extraSources` (a replacement's old key, from the event) and each job's
 * own. Every segment's request is checked against the job's schema now, so a bad one stops the synthesis.
 */
export function starterJobs(key: RotatedKey, extraSources: readonly string[] = []): StarterJob[] {
  const target = key.entry.aliasName ?? key.key.keyArn;
  const sources = [key.key.keyArn, ...extraSources];
  return key.entry.rewrap.map((job) => {
    const { segment: _segment, ...request } = rewrapRequestOf(job, target, sources, 0);
    for (let segment = 0; segment < job.segments; segment++) {
      parseRewrapRequest(withStandIns({ ...request, segment }));
    }
    return {
      name: jobNamePrefix(key.entry.id, job),
      segments: Array.from({ length: job.segments }, (_, i) => i),
      request,
    };
  });
}

function withStandIns(request: RewrapRequest): RewrapRequest {
  const real = (value: string): string => (Token.isUnresolved(value) ? TOKEN_STAND_IN : value);
  return {
    ...request,
    targetKeyId: real(request.targetKeyId),
    allowedSourceKeyIds: request.allowedSourceKeyIds.map(real),
  };
}
