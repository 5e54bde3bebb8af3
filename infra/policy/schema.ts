import { z } from 'zod';
import {
  ECS_NAME,
  encodeConsumerTag,
  LAMBDA_FUNCTION_NAME,
  MAX_CONSUMER_TAGS,
  MAX_TAG_VALUE_CHARS,
  type ConsumerRefresh,
} from '../../functions/shared/consumer-refresh';
import { parseScheduleExpression } from '../../functions/shared/rotation-schedule';
import { STRATEGY_NAMES, type StrategyName } from '../../functions/strategies/strategy';
import { MAX_WRITE_QUOTA_FRACTION } from '../../functions/shared/write-pacing';
import { probeProblem } from '../../functions/strategies/probe/probe';
import { isServerStrategy, sameServerKind, SERVER_TARGETS } from '../../functions/strategies/targets';
import { urlProblem } from '../../functions/strategies/http/hosts';
import { PRESET_NAMES, PROVIDER_PRESETS } from '../../functions/strategies/http/presets';
import {
  allowedHostsOf,
  providerSpecSchema,
  usesAdminCredential,
  type ProviderSpec,
} from '../../functions/strategies/http/spec';
import { AWS_REGION_NAME } from '../../functions/strategies/iam/options';
import { canaryLabelProblem, canaryRefusal } from '../../functions/shared/canary';
// defaults.ts imports only types from this module: no import cycle at run time.
import { KIND_DEFAULTS } from './defaults';
import { authFailuresSchema, resolveAuthFailures } from './auth-failure-signal';
import { durationSeconds } from './duration';
import { aliasOf, keyEntrySchema, type KeyEntry } from './key-schema';
import {
  duration,
  entryId,
  IAM_ROLE_ARN,
  kmsKeyArn,
  owner,
  routeId,
  schedule,
  TAG_TEXT,
  TAG_TEXT_MESSAGE,
  tags,
} from './fields';

export { duration } from './fields';

/**
 * The policy file's shape: what a platform engineer writes (see example.policy.ts). zod
 * validates it at synth time; every message names the field, and load-policy.ts adds the
 * entry. Defaults per kind are applied afterwards (defaults.ts), so the input stays short.
 */

// `rds!` starts the names of secrets Amazon RDS manages: accepted here so that the message can say why not.
const SECRET_NAME = /^(rds!)?[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(rds!)?[A-Za-z0-9/_+=.@-]+$/;
/** RDS DB instance and Aurora cluster identifiers: a letter, then letters, digits and single hyphens. */
const RDS_IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$/;

/** A policy's kinds are the rotation function's strategies: one list, so they cannot drift. */
export const KINDS = STRATEGY_NAMES;
export type Kind = StrategyName;

const passwordOptions = z.strictObject({
  length: z.optional(z.int().min(1).max(4096)),
  excludeCharacters: z.optional(z.string().max(256)),
  excludeNumbers: z.optional(z.boolean()),
  excludePunctuation: z.optional(z.boolean()),
  excludeUppercase: z.optional(z.boolean()),
  excludeLowercase: z.optional(z.boolean()),
  includeSpace: z.optional(z.boolean()),
  requireEachIncludedType: z.optional(z.boolean()),
});
export type PasswordOptions = z.infer<typeof passwordOptions>;

/** How to reach a server when keyturn creates its secret (an adopted secret already holds this). */
const serverConnection = {
  /** Optional only where `rds` names the instance or cluster: the rotation function then finds the endpoint. */
  host: z.optional(z.string().min(1)),
  port: z.optional(z.int().min(1).max(65535)),
  username: z.string().min(1).max(128),
  ssl: z.optional(z.boolean()),
};
const postgresConnection = z.strictObject({
  ...serverConnection,
  username: z.string().min(1).max(63, 'must be at most 63 characters (a PostgreSQL role name)'),
  dbname: z.optional(z.string().min(1)),
});
const mysqlConnection = z.strictObject({
  ...serverConnection,
  username: z.string().min(1).max(80, 'must be at most 80 characters (MariaDB; MySQL allows 32)'),
  dbname: z.optional(z.string().min(1)),
  /** The `engine` the secret names. @default 'mysql' */
  engine: z.optional(z.enum(['mysql', 'mariadb'])),
});
const redisConnection = z.strictObject(serverConnection);

/** The RDS DB instance or Aurora cluster a database secret belongs to. */
const rdsDatabase = z.union([
  z.strictObject({ instance: z.string().regex(RDS_IDENTIFIER, 'must be an RDS DB instance identifier') }),
  z.strictObject({ cluster: z.string().regex(RDS_IDENTIFIER, 'must be an Aurora DB cluster identifier') }),
]);

/** Amazon RDS manages secrets named `rds!…` itself: keyturn may read one as a master, never rotate it. */
const RDS_MANAGED_SECRET = /(^|:secret:)rds!/;
const RDS_MANAGED_MESSAGE =
  'is a secret Amazon RDS manages (rds!…): RDS rotates it itself; keyturn can only use it as a master (options.master.arn)';

const secretReference = z
  .strictObject({
    /** The secret's name: adopted if it exists, created when `create` is true. */
    name: z.optional(z.string().regex(SECRET_NAME, 'must be 1-512 of A-Z a-z 0-9 / _ + = . @ -')),
    /** Adopt an existing secret by ARN (for instance one in another stack). */
    arn: z.optional(z.string().regex(SECRET_ARN, 'must be a Secrets Manager secret ARN')),
    /** keyturn creates the secret, with a generated initial value, encrypted with keyturn's KMS key. */
    create: z.optional(z.boolean()),
    description: z.optional(z.string().max(2048)),
    /** For an adopted secret encrypted with a customer-managed key (a created one uses keyturn's key). */
    kmsKeyArn: z.optional(kmsKeyArn),
    /**
     * The regions the secret is replicated to (docs/replicas.md): a created secret gets replicas there; for an
     * adopted one, its existing replicas. The rotation function may read the replicas there (nothing else).
     */
    replicaRegions: z.optional(
      z.array(z.string().regex(AWS_REGION_NAME, 'must be an AWS region name such as eu-west-1')).max(50),
    ),
  })
  .superRefine((ref, ctx) => {
    if ((ref.name === undefined) === (ref.arn === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of name or arn' });
    }
    if (ref.name !== undefined && RDS_MANAGED_SECRET.test(ref.name)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: RDS_MANAGED_MESSAGE });
    }
    if (ref.arn !== undefined && RDS_MANAGED_SECRET.test(ref.arn)) {
      ctx.addIssue({ code: 'custom', path: ['arn'], message: RDS_MANAGED_MESSAGE });
    }
    if (ref.create && ref.name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['create'], message: 'a secret keyturn creates needs a name, not an arn' });
    }
    if (ref.create && ref.kmsKeyArn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['kmsKeyArn'],
        message: "a secret keyturn creates is encrypted with keyturn's own key",
      });
    }
  });

const masterReference = z.union([
  z.strictObject({ entry: entryId }),
  z.strictObject({
    arn: z.string().regex(SECRET_ARN, 'must be a Secrets Manager secret ARN'),
    kmsKeyArn: z.optional(kmsKeyArn),
  }),
]);
export type MasterReference = z.infer<typeof masterReference>;

const revocation = z.strictObject({
  /** Wait until the old credential is no longer in use before revoking it. */
  waitForIdle: z.optional(z.boolean()),
  /** How long to wait for it to go idle. */
  maxWait: z.optional(duration),
  /** What to do when it is still in use after maxWait. */
  whenStillInUse: z.optional(z.enum(['alert', 'revoke'])),
  /** End sessions still open with the old credential when revoking. */
  terminateSessions: z.optional(z.boolean()),
});

/** How long after the last rotation a scheduled or on-demand one may start again. */
const minInterval = duration;

/** The longest value of KEYTURN_BLACKOUTS: the rotation functions' whole environment must fit Lambda's 4 KB. */
export const MAX_BLACKOUTS_JSON_CHARS = 2048;

const isoDateTime = z.iso.datetime({
  offset: true,
  message:
    'must be an ISO 8601 date and time with a timezone, such as 2026-12-24T00:00:00Z or 2026-12-24T00:00:00+01:00',
});

/** A change freeze: no scheduled, on-demand or fleet rotation starts inside it (an emergency rotation still does). */
const blackout = z
  .strictObject({
    start: isoDateTime,
    end: isoDateTime,
    /** Why (shown in the audit event of a rotation it skips): value-free text. */
    reason: z.optional(z.string().min(1).max(128)),
  })
  .superRefine((b, ctx) => {
    if (Date.parse(b.end) <= Date.parse(b.start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${b.start}), got ${b.end}` });
    }
  });

/** One consumer of a secret (docs/consumers.md). */
const consumer = z
  .strictObject({
    name: z.string().min(1).max(128).regex(TAG_TEXT, TAG_TEXT_MESSAGE),
    roleArn: z.optional(z.string().regex(IAM_ROLE_ARN, 'must be an IAM role ARN')),
    /** Force a new deployment of this ECS service (same account and region) after each verified rotation. */
    ecsService: z.optional(
      z.strictObject({
        cluster: z.string().regex(ECS_NAME, 'must be an ECS cluster name (letters, digits, - and _)'),
        service: z.string().regex(ECS_NAME, 'must be an ECS service name (letters, digits, - and _)'),
      }),
    ),
    /** Touch this Lambda function's configuration (same account and region) so new execution environments start. */
    lambdaFunction: z.optional(
      z.string().regex(LAMBDA_FUNCTION_NAME, 'must be a Lambda function name (not an ARN): letters, digits, - and _'),
    ),
    /** How long the consumer caches the value. @default '5m' (the Parameters and Secrets Lambda extension's) */
    cacheTtl: z.optional(duration),
  })
  .superRefine((c, ctx) => {
    if (c.ecsService !== undefined && c.lambdaFunction !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['lambdaFunction'],
        message:
          'name one refresh target per consumer (an ecsService or a lambdaFunction): list the other as a consumer of its own',
      });
    }
    const ttl = c.cacheTtl === undefined ? undefined : durationSeconds(c.cacheTtl);
    if (ttl !== undefined && ttl > MAX_CONSUMER_CACHE_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['cacheTtl'], message: `must be at most 24h, got ${c.cacheTtl ?? ''}` });
    }
    const tag = encodeConsumerTag(consumerRefreshOf(c));
    if (tag.length > MAX_TAG_VALUE_CHARS) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `the consumer's name and refresh target together must fit a tag value (${MAX_TAG_VALUE_CHARS} characters), got ${tag.length}: shorten the name`,
      });
    }
  });
export type ConsumerEntry = z.output<typeof consumer>;

/** A consumer's cache lifetime may be at most a day (a longer one would hold every rotation's grace open). */
const MAX_CONSUMER_CACHE_SECONDS = 86_400;

/** What a rotation refreshes for a consumer of the policy. */
export function consumerRefreshOf(c: Pick<ConsumerEntry, 'name' | 'ecsService' | 'lambdaFunction'>): ConsumerRefresh {
  if (c.ecsService !== undefined) {
    return { name: c.name, target: { kind: 'ecs-service', ...c.ecsService } };
  }
  if (c.lambdaFunction !== undefined) {
    return { name: c.name, target: { kind: 'lambda-function', functionName: c.lambdaFunction } };
  }
  return { name: c.name, target: { kind: 'event' } };
}
/**
 * Canary cohorts (docs/canary.md): the new credential is first live under `label` for the consumers that opt in to
 * read it, watched for `window` (a check every `checkEvery`), then promoted; a failing canary is taken back.
 */
const canary = z.strictObject({
  /** The staging label the candidate carries. @default KEYTURN_CANARY */
  label: z.optional(z.string()),
  window: duration,
  /** @default 1m */
  checkEvery: z.optional(duration),
  /** Failed logins the entry's auth-failure signal may count during the hold. @default 0 */
  maxAuthFailures: z.optional(z.int().min(0).max(1_000_000)),
});

/** What every entry has, whatever its kind. */
const commonEntryFields = {
  /** Stable identifier: construct ids, schedule names and alarms derive from it. */
  id: entryId,
  secret: secretReference,
  owner,
  /**
   * Who reads the secret; a roleArn gets GetSecretValue through the secret's resource policy. Each consumer is
   * named in the SecretRotated event, may name what a rotation refreshes (an ECS service or a Lambda function), and
   * declares how long it caches the value: the grace window is at least that long (docs/consumers.md).
   */
  consumers: z.optional(z.array(consumer)),
  schedule: z.optional(schedule),
  /** How long old and new credentials are both accepted before the old one is checked and revoked. */
  grace: z.optional(duration),
  /** A scheduled or on-demand rotation refuses to start sooner than this after the last one. */
  minInterval: z.optional(minInterval),
  revocation: z.optional(revocation),
  /** Named alert route (see `alerts.routes`); the policy's default route when absent. */
  alertRoute: z.optional(routeId),
  tags: z.optional(tags),
  canary: z.optional(canary),
  /** Watch failed logins after the switch and after revoke; roll back / reinstate on a breach (auth-failure-signal.ts). */
  authFailures: z.optional(authFailuresSchema),
};

const randomEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('random'),
  options: z.optional(
    z.strictObject({
      ...passwordOptions.shape,
      /** JSON fields to regenerate; absent for a plain-string secret. */
      fields: z.optional(z.array(z.string().min(1).regex(/^\S+$/, 'must not contain spaces')).min(1)),
      prefix: z.optional(z.string().max(64).regex(TAG_TEXT, TAG_TEXT_MESSAGE)),
    }),
  ),
});

/**
 * One read-only check the new credential must pass before AWSCURRENT moves (testSecret) and again in the
 * lifecycle's Verify: a query for SQL kinds, a command for Redis kinds. Checked against the kind below.
 */
const probe = z.union([
  z.strictObject({ sql: z.string().min(1) }),
  z.strictObject({ redis: z.array(z.string()).min(1) }),
]);

/** Options of every kind that rotates a user on a server. */
const serverOptions = {
  password: z.optional(passwordOptions),
  /** A read-only check of what the consumer needs, run with the new credential (see `probe`). */
  probe: z.optional(probe),
  /** Name of an entry in `networks`: the rotation function runs there to reach the server. */
  network: z.optional(entryId),
};
const relationalOptions = {
  ...serverOptions,
  /**
   * The RDS instance or Aurora cluster: the rotation function may describe it, to find its endpoint when the
   * secret names no `host` (`dbInstanceIdentifier` / `dbClusterIdentifier` instead), and to check that a
   * master secret (also one RDS manages) belongs to the same database.
   */
  rds: z.optional(rdsDatabase),
};

const postgresOptions = { ...relationalOptions, connection: z.optional(postgresConnection) };
const mysqlOptions = { ...relationalOptions, connection: z.optional(mysqlConnection) };

const postgresSingleUserEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('postgres-single-user'),
  options: z.optional(z.strictObject(postgresOptions)),
});

const postgresAlternatingUsersEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('postgres-alternating-users'),
  options: z.strictObject({ ...postgresOptions, master: masterReference }),
});

const mysqlSingleUserEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('mysql-single-user'),
  options: z.optional(z.strictObject(mysqlOptions)),
});

const mysqlAlternatingUsersEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('mysql-alternating-users'),
  options: z.strictObject({ ...mysqlOptions, master: masterReference }),
});

/** A Redis ACL user (ElastiCache RBAC): the master adds each new password and later removes the old one. */
const redisUserEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('redis-user'),
  options: z.strictObject({ ...serverOptions, connection: z.optional(redisConnection), master: masterReference }),
});

/** ElastiCache user ids: a letter first, then letters, digits and single hyphens, at most 40. */
const ELASTICACHE_USER_ID = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,39}(?<!-)$/;

/** An ElastiCache (or MemoryDB) RBAC user: the ElastiCache API holds its two passwords through the grace window. */
const elastiCacheUserEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('elasticache-user'),
  options: z.strictObject({
    ...serverOptions,
    /** The ElastiCache user id: the rotation function may ModifyUser and DescribeUsers on that user only. */
    userId: z
      .string()
      .regex(ELASTICACHE_USER_ID, 'must be an ElastiCache user id (a letter, then letters, digits, hyphens)'),
    connection: z.optional(redisConnection),
  }),
});

/** IAM user names and paths, as IAM's API takes them. Tag values cannot hold a comma, which IAM names may. */
const IAM_USER_NAME = /^[\w+=.@-]{1,64}$/;
const IAM_PATH = /^\/([\w+=.@/-]*\/)?$/;
const IAM_ROLE_ARN_IN_TAG = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=.@/-]{1,512}$/;

/**
 * An IAM user's access key: keyturn creates the new key (IAM allows two per user), verifies it with
 * sts:GetCallerIdentity, deactivates the old one at revoke and deletes it after the quarantine.
 */
const iamAccessKeyEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('iam-access-key'),
  options: z.strictObject({
    /** The IAM user whose keys rotate: the rotation function may manage that user's keys only. */
    userName: z
      .string()
      .regex(IAM_USER_NAME, 'must be an IAM user name: 1-64 of letters, digits and _ + = . @ - (no comma)'),
    /** The user's IAM path (part of its ARN), if it was created with one. @default '/' */
    path: z.optional(
      z.string().max(512).regex(IAM_PATH, 'must be an IAM path such as /division/ (starts and ends with /)'),
    ),
    /**
     * A role in the user's account that keyturn assumes to manage its keys (a user in another account). The
     * rotation function may assume that role only; the role itself needs the IAM actions on the user.
     */
    assumeRoleArn: z.optional(
      z.string().regex(IAM_ROLE_ARN_IN_TAG, 'must be an IAM role ARN (its name without a comma: it travels in a tag)'),
    ),
    /** How long a deactivated key is kept for a rollback before the next rotation deletes it. @default '7d' */
    quarantine: z.optional(duration),
    /** Let keyturn delete an active key that no version of the secret holds, to make room. @default false */
    allowReplacingUnknownKey: z.optional(z.boolean()),
    /**
     * Regions whose CloudTrail event history the drain reads for calls signed with the old key ([] for none).
     * IAM's own calls are recorded in us-east-1. @default the region keyturn is deployed in
     */
    cloudTrailRegions: z.optional(
      z.array(z.string().regex(AWS_REGION_NAME, 'must be an AWS region name such as eu-west-1')).max(10),
    ),
  }),
});

/**
 * A third-party API key, rotated at its provider: a built-in preset by name, or the user's own spec (see
 * functions/strategies/http/spec.ts), and the secret holding the admin credential that mints and revokes keys.
 */
const httpApiKeyEntry = z.strictObject({
  ...commonEntryFields,
  kind: z.literal('http-api-key'),
  options: z.strictObject({
    provider: z.union([
      z.strictObject({ preset: z.enum(PRESET_NAMES as [string, ...string[]]) }),
      z.strictObject({ spec: providerSpecSchema }),
    ]),
    /** Another base URL for the provider (a region such as https://api.eu.sendgrid.com), on one of its allowed hosts. */
    baseUrl: z.optional(z.url().max(256).regex(TAG_TEXT, TAG_TEXT_MESSAGE)),
    /** The secret holding the admin credential, required when the provider's calls use one: read-only access to it. */
    adminSecret: z.optional(
      z.strictObject({
        arn: z.string().regex(SECRET_ARN, 'must be a Secrets Manager secret ARN').max(256),
        kmsKeyArn: z.optional(kmsKeyArn),
      }),
    ),
    /** Name of an entry in `networks`, when the function must run in a VPC (it then needs a NAT route to the provider). */
    network: z.optional(entryId),
  }),
});

export type HttpApiKeyEntry = z.output<typeof httpApiKeyEntry>;

/** The provider spec an http-api-key entry uses (its preset's, or its own). */
export function providerSpecOf(entry: HttpApiKeyEntry): ProviderSpec {
  const provider = entry.options.provider;
  if (!('preset' in provider)) return provider.spec;
  const preset = PROVIDER_PRESETS[provider.preset];
  if (!preset) throw new Error(`unknown preset ${provider.preset}`); // the enum let it through: a bug
  return preset;
}

export const entrySchema = z.discriminatedUnion('kind', [
  randomEntry,
  postgresSingleUserEntry,
  postgresAlternatingUsersEntry,
  mysqlSingleUserEntry,
  mysqlAlternatingUsersEntry,
  redisUserEntry,
  elastiCacheUserEntry,
  iamAccessKeyEntry,
  httpApiKeyEntry,
]);
export type PolicyEntryInput = z.input<typeof entrySchema>;
export type PolicyEntry = z.output<typeof entrySchema>;
/** An entry that rotates a user on a server (every kind but `random` and the kinds whose keys an API issues). */
export type ServerEntry = Exclude<PolicyEntry, { kind: 'random' | 'iam-access-key' | 'http-api-key' }>;
export type IamAccessKeyEntry = Extract<PolicyEntry, { kind: 'iam-access-key' }>;

export function isServerEntry(entry: PolicyEntry): entry is ServerEntry {
  return isServerStrategy(entry.kind);
}

/** The IAM user (and role to assume) an entry rotates the keys of, if it is an iam-access-key entry. */
export function iamUserOf(entry: PolicyEntry):
  | {
      readonly userName: string;
      readonly path: string;
      readonly assumeRoleArn?: string;
      /** Whether the drain reads CloudTrail's event history (cloudtrail:LookupEvents). */
      readonly cloudTrailLookups: boolean;
    }
  | undefined {
  if (entry.kind !== 'iam-access-key') return undefined;
  const { userName, path, assumeRoleArn, cloudTrailRegions } = entry.options;
  return {
    userName,
    path: path ?? '/',
    ...(assumeRoleArn === undefined ? {} : { assumeRoleArn }),
    cloudTrailLookups: cloudTrailRegions === undefined || cloudTrailRegions.length > 0,
  };
}
/** An entry whose rotation goes through a master user. */
export type MasterEntry = Extract<PolicyEntry, { options: { master: MasterReference } }>;

/** The master an entry rotates through, if its kind takes one. */
export function masterOf(entry: PolicyEntry): MasterReference | undefined {
  return isServerEntry(entry) && entry.options !== undefined && 'master' in entry.options
    ? entry.options.master
    : undefined;
}

/** The ElastiCache user an entry rotates, if it is one. */
export function elastiCacheUserIdOf(entry: PolicyEntry): string | undefined {
  return entry.kind === 'elasticache-user' ? entry.options.userId : undefined;
}

/** The RDS instance or cluster an entry names, if any. */
export function rdsDatabaseOf(entry: PolicyEntry): z.infer<typeof rdsDatabase> | undefined {
  return isServerEntry(entry) && entry.options !== undefined && 'rds' in entry.options ? entry.options.rds : undefined;
}

/** Settings an entry may leave to its kind's defaults. */
const kindDefaults = z.strictObject({
  schedule: z.optional(schedule),
  grace: z.optional(duration),
  minInterval: z.optional(minInterval),
  revocation: z.optional(revocation),
});

const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const policySchema = z
  .strictObject({
    version: z.literal(1),
    alerts: z.strictObject({
      routes: z.record(routeId, z.strictObject({ emails: z.optional(z.array(z.email())) })),
      defaultRoute: routeId,
      /**
       * The account's CloudTrail log group in the stack's Region (a trail delivering to CloudWatch Logs): keyturn
       * alarms on attempts to use a KMS key pending deletion there (docs/kms-key-rotation.md). Without it, a
       * replacement's canary watch is the only signal.
       */
      cloudTrailLogGroup: z.optional(
        z
          .string()
          .regex(
            /^[.\-_/#A-Za-z0-9]{1,512}$/,
            'must be a CloudWatch Logs log group name (letters, digits, _ - / . #), e.g. aws-cloudtrail-logs-111122223333',
          ),
      ),
    }),
    networks: z.optional(
      z.record(
        entryId,
        z.strictObject({
          vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-…)'),
          subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)')).min(1),
          securityGroupIds: z.optional(
            z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id (sg-…)')),
          ),
        }),
      ),
    ),
    audit: z.optional(
      z.strictObject({
        retentionDays: z.optional(
          z.int().refine((d) => CLOUDWATCH_RETENTION_DAYS.includes(d), {
            message: `must be one of CloudWatch's retention periods: ${CLOUDWATCH_RETENTION_DAYS.join(', ')}`,
          }),
        ),
      }),
    ),
    defaults: z.optional(z.partialRecord(z.enum(KINDS), kindDefaults)),
    /**
     * Secrets Manager's write quota (PutSecretValue + UpdateSecret + UpdateSecretVersionStage, per account and
     * region), and the share of it keyturn's rotations may use together (functions/shared/write-pacer.ts).
     */
    writeQuota: z.optional(
      z.strictObject({
        /** The region's quota in requests per second, if AWS set yours to other than the default 50. */
        requestsPerSecond: z.optional(z.number().positive().max(100_000)),
        /** keyturn's share: the rest is left to the other writers in the account and region. */
        fraction: z.optional(
          z
            .number()
            .gt(0, 'must be more than 0')
            .max(
              MAX_WRITE_QUOTA_FRACTION,
              `must be at most ${MAX_WRITE_QUOTA_FRACTION}: pacing at the whole quota turns every other writer's request into a throttle`,
            ),
        ),
      }),
    ),
    /** Change freezes: no scheduled, on-demand or fleet rotation starts inside one. */
    blackouts: z.optional(
      z.array(blackout).refine((list) => JSON.stringify(list).length <= MAX_BLACKOUTS_JSON_CHARS, {
        message: `together must fit ${MAX_BLACKOUTS_JSON_CHARS} characters of JSON (they travel in the functions' environment): merge or shorten them`,
      }),
    ),
    entries: z.array(entrySchema).min(1, 'a policy needs at least one entry'),
    /** KMS keys keyturn rotates (key-schema.ts); ids unique across `entries` and `keys`. */
    keys: z.optional(z.array(keyEntrySchema)),
  })
  .superRefine((policy, ctx) => {
    keyIssues(policy, ctx);
    const seenIds = new Map<string, number>();
    const seenSecrets = new Map<string, number>();
    policy.entries.forEach((entry, index) => {
      const at = (...path: (string | number)[]) => ['entries', index, ...path];
      const firstId = seenIds.get(entry.id);
      if (firstId !== undefined)
        ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicates the id of entries[${firstId}]` });
      seenIds.set(entry.id, index);
      const secretKey = entry.secret.arn ?? entry.secret.name ?? '';
      const firstSecret = seenSecrets.get(secretKey);
      if (firstSecret !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: at('secret'),
          message: `names the same secret as entries[${firstSecret}]`,
        });
      }
      seenSecrets.set(secretKey, index);
      if (entry.alertRoute !== undefined && !(entry.alertRoute in policy.alerts.routes)) {
        ctx.addIssue({
          code: 'custom',
          path: at('alertRoute'),
          message: `"${entry.alertRoute}" is not a route in alerts.routes`,
        });
      }
      for (const issue of resolveAuthFailures(entry).issues) {
        ctx.addIssue({ code: 'custom', path: at(...issue.path), message: issue.message });
      }
      if (entry.kind === 'iam-access-key') iamEntryIssues(entry, policy, at, ctx);
      if (entry.kind === 'http-api-key') httpApiKeyIssues(entry, at, ctx, policy.entries);
      if (
        entry.kind === 'http-api-key' &&
        entry.options.network !== undefined &&
        !(entry.options.network in (policy.networks ?? {}))
      ) {
        ctx.addIssue({
          code: 'custom',
          path: at('options', 'network'),
          message: `"${entry.options.network}" is not in networks`,
        });
      }
      if (isServerEntry(entry)) {
        const network = entry.options?.network;
        if (network !== undefined && !(network in (policy.networks ?? {}))) {
          ctx.addIssue({ code: 'custom', path: at('options', 'network'), message: `"${network}" is not in networks` });
        }
        const connection = entry.options?.connection;
        if (entry.secret.create && connection === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: at('options', 'connection'),
            message: 'a secret keyturn creates needs its connection (host, username, ...)',
          });
        }
        const entryProbe = entry.options?.probe;
        const problem = entryProbe && probeProblem(entryProbe, SERVER_TARGETS[entry.kind].probe);
        if (problem) {
          ctx.addIssue({
            code: 'custom',
            path: at('options', 'probe'),
            message: `${problem} (a probe must be one read-only ${'sql' in entryProbe ? 'query' : 'command'})`,
          });
        }
        if (connection !== undefined && connection.host === undefined && rdsDatabaseOf(entry) === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: at('options', 'connection', 'host'),
            message: 'is required unless options.rds names the RDS instance or Aurora cluster',
          });
        }
      }
      const master = masterOf(entry);
      if (master !== undefined && 'entry' in master) {
        const masterEntry = policy.entries.find((e) => e.id === master.entry);
        const path = at('options', 'master', 'entry');
        if (master.entry === entry.id) {
          ctx.addIssue({ code: 'custom', path, message: 'an entry cannot be its own master' });
        } else if (masterEntry === undefined) {
          ctx.addIssue({ code: 'custom', path, message: `"${master.entry}" is not an entry id` });
        } else if (!sameServerKind(masterEntry.kind, entry.kind)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `"${master.entry}" is a ${masterEntry.kind} entry: the master of a ${entry.kind} entry must be a user of the same kind of server`,
          });
        }
      }
      consumerIssues(entry, at, ctx);
      canaryIssues(entry, at, ctx);
      const grace = entry.grace === undefined ? undefined : durationSeconds(entry.grace);
      const interval = entry.schedule ? intervalSeconds(entry.schedule.expression) : undefined;
      if (grace !== undefined && interval !== undefined && grace >= interval) {
        ctx.addIssue({
          code: 'custom',
          path: at('grace'),
          message: `${entry.grace ?? ''} is not shorter than the rotation interval`,
        });
      }
      // A minimum interval as long as the schedule's would make every scheduled rotation refuse to start.
      const kindDefault = policy.defaults?.[entry.kind];
      const minimum = entry.minInterval ?? kindDefault?.minInterval;
      const effectiveSchedule = entry.schedule ?? kindDefault?.schedule ?? KIND_DEFAULTS[entry.kind].schedule;
      const every = intervalSeconds(effectiveSchedule.expression);
      const minimumSeconds = minimum === undefined ? undefined : durationSeconds(minimum);
      if (minimumSeconds !== undefined && every !== undefined && minimumSeconds >= every) {
        ctx.addIssue({
          code: 'custom',
          path: at(entry.minInterval === undefined ? 'schedule' : 'minInterval'),
          message:
            `${entry.minInterval === undefined ? `defaults.${entry.kind}.minInterval` : 'minInterval'} ${minimum ?? ''} ` +
            `is not shorter than the rotation interval (${effectiveSchedule.expression}): every scheduled ` +
            'rotation would be refused',
        });
      }
    });
    if (!(policy.alerts.defaultRoute in policy.alerts.routes)) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', 'defaultRoute'],
        message: `"${policy.alerts.defaultRoute}" is not a route in alerts.routes`,
      });
    }
  });

/**
 * What an entry's consumers can get wrong together: more refresh targets than the secret's tags can carry, two
 * consumers refreshing the same service or function (two deployments at once), a cache lifetime as long as the
 * rotation interval (the grace window it raises would outlast the next rotation).
 */
function consumerIssues(
  entry: PolicyEntry,
  at: (...path: (string | number)[]) => (string | number)[],
  ctx: z.RefinementCtx,
): void {
  const consumers = entry.consumers ?? [];
  const refreshing = consumers.filter((c) => c.ecsService !== undefined || c.lambdaFunction !== undefined);
  if (refreshing.length > MAX_CONSUMER_TAGS) {
    ctx.addIssue({
      code: 'custom',
      path: at('consumers'),
      message: `at most ${MAX_CONSUMER_TAGS} consumers may name an ecsService or a lambdaFunction (they travel in the secret's tags), got ${refreshing.length}`,
    });
  }
  const seen = new Map<string, number>();
  consumers.forEach((c, index) => {
    const refresh = consumerRefreshOf(c);
    if (refresh.target.kind === 'event') return;
    const key = encodeConsumerTag({ ...refresh, name: '' });
    const first = seen.get(key);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: at('consumers', index),
        message: `refreshes the same ${refresh.target.kind === 'ecs-service' ? 'ECS service' : 'Lambda function'} as consumers[${first}]`,
      });
    } else seen.set(key, index);
  });
  const every = entry.schedule ? intervalSeconds(entry.schedule.expression) : undefined;
  consumers.forEach((c, index) => {
    const ttl = c.cacheTtl === undefined ? undefined : durationSeconds(c.cacheTtl);
    if (ttl !== undefined && every !== undefined && ttl >= every) {
      ctx.addIssue({
        code: 'custom',
        path: at('consumers', index, 'cacheTtl'),
        message: `${c.cacheTtl ?? ''} is not shorter than the rotation interval: the grace window it sets would outlast the next rotation`,
      });
    }
  });
}

/** What a key entry can get wrong against the rest of the policy: its id, key, alias and alert route. */
function keyIssues(
  policy: {
    readonly entries: readonly { readonly id: string }[];
    readonly keys?: readonly KeyEntry[];
    readonly alerts: { readonly routes: Readonly<Record<string, unknown>> };
  },
  ctx: z.RefinementCtx,
): void {
  const entryIds = new Map(policy.entries.map((entry, index) => [entry.id, index]));
  const seen = { ids: new Map<string, number>(), arns: new Map<string, number>(), aliases: new Map<string, number>() };
  (policy.keys ?? []).forEach((key, index) => {
    const at = (...path: (string | number)[]) => ['keys', index, ...path];
    const duplicate = (seenIn: Map<string, number>, value: string | undefined, path: string[], what: string) => {
      if (value === undefined) return;
      const first = seenIn.get(value);
      if (first !== undefined)
        ctx.addIssue({ code: 'custom', path: at(...path), message: `${what} of keys[${first}]` });
      else seenIn.set(value, index);
    };
    const entryIndex = entryIds.get(key.id);
    if (entryIndex !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: at('id'),
        message: `"${key.id}" is already the id of entries[${entryIndex}]`,
      });
    }
    duplicate(seen.ids, key.id, ['id'], `"${key.id}" is already the id`);
    duplicate(seen.arns, key.key.adopt?.arn, ['key', 'adopt', 'arn'], 'names the same key as the one');
    const alias = aliasOf(key);
    const aliasPath = ['key', key.key.create ? 'create' : 'adopt', 'alias'];
    duplicate(seen.aliases, alias, aliasPath, `${alias ?? ''} is already the alias`);
    if (key.alertRoute !== undefined && !(key.alertRoute in policy.alerts.routes)) {
      ctx.addIssue({
        code: 'custom',
        path: at('alertRoute'),
        message: `"${key.alertRoute}" is not a route in alerts.routes`,
      });
    }
  });
}

/** What only an iam-access-key entry can get wrong: a created secret, a quarantine as long as its schedule. */
function iamEntryIssues(
  entry: IamAccessKeyEntry,
  policy: { readonly defaults?: Partial<Record<Kind, { readonly schedule?: { readonly expression: string } }>> },
  at: (...path: (string | number)[]) => (string | number)[],
  ctx: z.RefinementCtx,
): void {
  if (entry.secret.create) {
    ctx.addIssue({
      code: 'custom',
      path: at('secret', 'create'),
      message:
        "an iam-access-key secret must be adopted: store the user's current key in it (IAM shows a key's secret only once, and keyturn does not mint the first key)",
    });
  }
  const quarantine = entry.options.quarantine;
  const schedule = entry.schedule ?? policy.defaults?.[entry.kind]?.schedule ?? KIND_DEFAULTS[entry.kind].schedule;
  const every = intervalSeconds(schedule.expression);
  const seconds = quarantine === undefined ? undefined : durationSeconds(quarantine);
  if (seconds !== undefined && every !== undefined && seconds >= every) {
    ctx.addIssue({
      code: 'custom',
      path: at('options', 'quarantine'),
      message:
        `${quarantine ?? ''} is not shorter than the rotation interval (${schedule.expression}): the old key would still ` +
        'be in quarantine at the next rotation, which needs its slot, and every rotation would be refused',
    });
  }
}

export type PolicyInput = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;

/** Seconds between rotations for a rate() schedule; undefined for cron (no fixed interval) or an invalid one. */
export function intervalSeconds(expression: string): number | undefined {
  try {
    const parsed = parseScheduleExpression(expression);
    if (parsed.kind === 'days') return parsed.days * 86_400;
    if (parsed.kind === 'hours') return parsed.hours * 3_600;
    return undefined;
  } catch {
    return undefined; // reported by the schedule's own validation
  }
}

/**
 * What an http-api-key entry must get right beyond its shape: keyturn cannot create its secret (only the
 * provider issues keys), the admin credential is named exactly when the provider's calls use it, a base URL
 * stays on the provider's allowed hosts, and a custom spec's name is its own.
 */
function httpApiKeyIssues(
  entry: HttpApiKeyEntry,
  at: (...path: (string | number)[]) => (string | number)[],
  ctx: z.RefinementCtx,
  entries: readonly PolicyEntry[],
): void {
  const spec = providerSpecOf(entry);
  if (entry.secret.create) {
    ctx.addIssue({
      code: 'custom',
      path: at('secret', 'create'),
      message:
        'keyturn cannot generate a key the provider issues: create the first key at the provider, store ' +
        '{"apiKey": ..., "keyId": ...} in the secret, and adopt it by name or arn',
    });
  }
  const needsAdmin = usesAdminCredential(spec);
  if (needsAdmin && entry.options.adminSecret === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: at('options', 'adminSecret'),
      message: `provider ${spec.name} mints and revokes keys with an admin credential: name its secret (arn)`,
    });
  }
  if (!needsAdmin && entry.options.adminSecret !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: at('options', 'adminSecret'),
      message: `provider ${spec.name} uses no admin credential (no call has credential "admin"): remove it`,
    });
  }
  if (entry.options.adminSecret && entry.secret.arn === entry.options.adminSecret.arn) {
    ctx.addIssue({
      code: 'custom',
      path: at('options', 'adminSecret'),
      message: 'must be another secret than the rotated one',
    });
  }
  if (entry.options.baseUrl !== undefined) {
    const url = new URL(entry.options.baseUrl);
    const problem =
      urlProblem(url, allowedHostsOf(spec)) ?? (url.pathname === '/' ? undefined : 'it must be scheme and host only');
    if (problem) ctx.addIssue({ code: 'custom', path: at('options', 'baseUrl'), message: problem });
  }
  const provider = entry.options.provider;
  if ('spec' in provider) {
    if (PRESET_NAMES.includes(provider.spec.name)) {
      ctx.addIssue({
        code: 'custom',
        path: at('options', 'provider', 'spec', 'name'),
        message: `"${provider.spec.name}" is a preset's name: give your spec its own`,
      });
    }
    const clash = entries.find(
      (other) =>
        other !== entry &&
        other.kind === 'http-api-key' &&
        'spec' in other.options.provider &&
        other.options.provider.spec.name === provider.spec.name &&
        JSON.stringify(other.options.provider.spec) !== JSON.stringify(provider.spec),
    );
    if (clash) {
      ctx.addIssue({
        code: 'custom',
        path: at('options', 'provider', 'spec', 'name'),
        message: `entry "${clash.id}" has another spec named "${provider.spec.name}": one name, one spec`,
      });
    }
  }
}

/** A canary the entry's kind cannot have, or one whose label or check interval cannot work (docs/canary.md). */
function canaryIssues(
  entry: { readonly id: string; readonly kind: StrategyName; readonly canary?: z.infer<typeof canary> },
  at: (...path: (string | number)[]) => (string | number)[],
  ctx: z.RefinementCtx,
): void {
  if (entry.canary === undefined) return;
  const refusal = canaryRefusal(entry.kind);
  if (refusal !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: at('canary'),
      message: `entry "${entry.id}" cannot have a canary: ${refusal}`,
    });
  }
  const labelProblem = entry.canary.label === undefined ? undefined : canaryLabelProblem(entry.canary.label);
  if (labelProblem !== undefined) ctx.addIssue({ code: 'custom', path: at('canary', 'label'), message: labelProblem });
  const window = durationSeconds(entry.canary.window);
  const every = entry.canary.checkEvery === undefined ? undefined : durationSeconds(entry.canary.checkEvery);
  if (window !== undefined && window < 1) {
    ctx.addIssue({ code: 'custom', path: at('canary', 'window'), message: 'must be at least 1s' });
  }
  if (every !== undefined && (every < 1 || (window !== undefined && every > window))) {
    ctx.addIssue({
      code: 'custom',
      path: at('canary', 'checkEvery'),
      message: `must be at least 1s and at most the window (${entry.canary.window})`,
    });
  }
}
