import { ArnFormat, DefaultStackSynthesizer, Fn, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IDependable } from 'constructs';
import { serverTarget } from '../../functions/strategies/targets';
import { DATABASE_PASSWORD_DEFAULTS, RANDOM_DEFAULT_POLICY } from '../../functions/strategies/password-defaults';
import type { PasswordPolicy } from '../../functions/shared/password';
import type { ResolvedEntry } from '../policy/defaults';
import { elastiCacheUserIdOf, iamUserOf, isServerEntry, masterOf, rdsDatabaseOf } from '../policy/schema';
import { keyturnTags } from '../policy/strategy-tags';
import { backstopScheduleExpression } from './rotation-schedule';
import type { RotationFunction } from './rotation-function';
import { SecretTagger } from './secret-tagger';

/** Thrown when a {@link RotatedSecret} is given an entry or props it cannot work with. */
export class RotatedSecretValidationError extends Error {
  override readonly name = 'RotatedSecretValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/** Properties of a {@link RotatedSecret}. */
export interface RotatedSecretProps {
  /** The policy entry, with its defaults applied. */
  readonly entry: ResolvedEntry;

  /** The function Secrets Manager invokes to rotate the secret; it is granted rotation of this secret only. */
  readonly rotationFunction: RotationFunction;

  /**
   * The customer managed key that encrypts a secret keyturn creates (one key for all of them). Required
   * when the entry creates its secret; unused for adopted secrets, which keep their own key.
   *
   * @default - none: only adopted secrets are allowed
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The master secret of an entry whose kind rotates through a master user (alternating users, Redis users):
   * the rotation function may read it (and nothing else). Required for, and only for, those kinds.
   *
   * @default - none
   */
  readonly masterSecret?: secretsmanager.ISecret;

  /**
   * The secret holding the admin credential of an http-api-key entry whose provider uses one: the rotation
   * function may read it (GetSecretValue only). Required for, and only for, those entries.
   *
   * @default - none
   */
  readonly adminSecret?: secretsmanager.ISecret;

  /**
   * Principals (IAM role ARNs) that deploy the stack. A created secret's resource policy lets them, besides
   * the owner, change and remove that resource policy — so that a policy-file change can still be deployed —
   * but never delete the secret.
   *
   * @default - the CloudFormation execution role of the stack's `DefaultStackSynthesizer`; none for other synthesizers
   */
  readonly deploymentRoleArns?: string[];

  /**
   * Tags adopted secrets.
   *
   * @default SecretTagger.of(this)
   */
  readonly tagger?: SecretTagger;

  /**
   * Where a cron schedule's year of occurrences starts, for the native backstop's interval.
   *
   * @default - the start of the current UTC day
   */
  readonly scheduleReferenceDate?: Date;
}

/** Tags Secrets Manager allows on one secret. */
const MAX_SECRET_TAGS = 50;

/** Deletion and resource-policy changes a created secret's resource policy reserves to its owner. */
const GUARDED_POLICY_ACTIONS = ['secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy'];

/**
 * One policy entry's secret, rotated by keyturn.
 *
 * - **Created** (`secret.create: true`): a Secrets Manager secret with a generated initial value, encrypted
 *   with keyturn's key, retained when removed from the stack, tagged with the entry's `keyturn:*` tags and
 *   its own tags, and guarded by a resource policy: only the owner role may delete it (nobody, without an
 *   owner role), only the owner and the deploying role may change that policy, and each consumer role may
 *   read it.
 * - **Adopted** (by name or ARN): the existing secret. CloudFormation cannot tag what it does not own, so
 *   the tags are applied through {@link SecretTagger}. No resource policy is attached: a secret has one, and
 *   attaching keyturn's would silently replace the owner's.
 *
 * Either way, Secrets Manager's native rotation is configured as the BACKSTOP of keyturn's lifecycle
 * schedule: every 1.5 intervals (see `rotation-schedule.ts`), with the entry's window, through the given
 * rotation function.
 */
export class RotatedSecret extends Construct {
  /** The entry this secret implements. */
  public readonly entry: ResolvedEntry;

  /** The secret. */
  public readonly secret: secretsmanager.ISecret;

  /** Whether keyturn created the secret (otherwise it adopted an existing one). */
  public readonly created: boolean;

  /** How Secrets Manager API calls name the secret: the ARN of a created secret, else the name or ARN from the policy. */
  public readonly secretId: string;

  /** The tags the secret carries for keyturn: the `keyturn:*` strategy and lifecycle tags, and the entry's own. */
  public readonly tags: Readonly<Record<string, string>>;

  /** The native rotation (the backstop). */
  public readonly rotationSchedule: secretsmanager.CfnRotationSchedule;

  /** The backstop's schedule expression. */
  public readonly backstopExpression: string;

  /** The resource policy of a created secret; undefined for an adopted one. */
  public readonly resourcePolicy?: secretsmanager.CfnResourcePolicy;

  constructor(scope: Construct, id: string, props: RotatedSecretProps) {
    super(scope, id);
    const { entry } = props;
    this.entry = entry;
    this.created = entry.secret.create === true;
    this.tags = { ...entry.tags, ...keyturnTags(entry, props.scheduleReferenceDate) };
    this.validate(props);

    try {
      this.backstopExpression = backstopScheduleExpression(entry.schedule.expression, props.scheduleReferenceDate);
    } catch (error) {
      throw new RotatedSecretValidationError(
        this,
        `entry "${entry.id}" schedule ${entry.schedule.expression}: ${(error as Error).message}`,
      );
    }

    let tagsApplied: IDependable | undefined;
    if (this.created) {
      const secret = this.createSecret(props);
      this.secret = secret;
      this.secretId = secret.secretArn;
      for (const [key, value] of Object.entries(this.tags)) Tags.of(secret).add(key, value);
      this.resourcePolicy = this.guard(secret, props.deploymentRoleArns ?? defaultDeploymentRoles(this));
    } else {
      const { secret, secretId } = this.adopt();
      this.secret = secret;
      this.secretId = secretId;
      // No resource policy here, on purpose: it would replace the one the secret's owner attached.
      const tagger = props.tagger ?? SecretTagger.of(this);
      tagsApplied = tagger.tag(this, secret, secretId, this.tags);
    }

    const rotation = props.rotationFunction;
    const rotateGrant = rotation.grantRotate(this.secret);
    const masterGrant = props.masterSecret ? rotation.grantReadMasterSecret(props.masterSecret) : undefined;
    const adminGrant = props.adminSecret ? rotation.grantReadAdminCredential(props.adminSecret) : undefined;
    const rds = rdsDatabaseOf(entry.source);
    const rdsGrant = rds ? rotation.grantDescribeRdsDatabase(rds) : undefined;
    const elastiCacheUserId = elastiCacheUserIdOf(entry.source);
    const userGrant = elastiCacheUserId ? rotation.grantModifyElastiCacheUser(elastiCacheUserId) : undefined;
    const iamUser = iamUserOf(entry.source);
    const iamGrant = iamUser ? rotation.grantManageIamUserKeys(iamUser) : undefined;
    const replicaRegions = entry.secret.replicaRegions ?? [];
    const replicaGrant =
      replicaRegions.length > 0 ? rotation.grantReadReplicas(this.secret, replicaRegions) : undefined;

    this.rotationSchedule = new secretsmanager.CfnRotationSchedule(this, 'NativeRotation', {
      secretId: this.secretId,
      rotationLambdaArn: rotation.function.functionArn,
      rotationRules: { scheduleExpression: this.backstopExpression, duration: entry.schedule.window },
      rotateImmediatelyOnUpdate: this.rotatesOnCreation(),
    });
    // Secrets Manager checks that it may invoke the function, and may start rotating at once.
    rotateGrant.applyBefore(this.rotationSchedule);
    masterGrant?.applyBefore(this.rotationSchedule);
    adminGrant?.applyBefore(this.rotationSchedule);
    rdsGrant?.applyBefore(this.rotationSchedule);
    userGrant?.applyBefore(this.rotationSchedule);
    iamGrant?.applyBefore(this.rotationSchedule);
    replicaGrant?.applyBefore(this.rotationSchedule);
    this.rotationSchedule.node.addDependency(rotation.rotationPrerequisites);
    if (tagsApplied) this.rotationSchedule.node.addDependency(tagsApplied);
  }

  /**
   * Whether Secrets Manager rotates as soon as native rotation is configured (`RotateImmediatelyOnUpdate`,
   * which also applies when the rotation schedule later changes):
   *
   * - a created random secret with a `prefix` or JSON `fields`: Secrets Manager cannot generate the
   *   prefix, nor fill more than one field, so the first rotation completes the initial value;
   * - a created secret of a kind that rotates through a master (alternating users, Redis users): the server
   *   does not know the generated password, and the first rotation makes the secret work through the master
   *   (it creates the clone user, or adds a password to the Redis user); likewise a created ElastiCache user's
   *   secret, whose passwords the ElastiCache API sets;
   * - never for adopted secrets (their value already works, and deploying should not rotate them), nor for a
   *   created single-user secret (the rotation would fail until the generated password is set on the user).
   */
  private rotatesOnCreation(): boolean {
    if (!this.created) return false;
    const source = this.entry.source;
    if (source.kind === 'random') return source.options?.fields !== undefined || source.options?.prefix !== undefined;
    // ElastiCache sets a user's passwords through its API, which needs none of the old ones.
    return masterOf(source) !== undefined || source.kind === 'elasticache-user';
  }

  private validate(props: RotatedSecretProps): void {
    const { entry } = props;
    const tagCount = Object.keys(this.tags).length;
    if (tagCount > MAX_SECRET_TAGS) {
      throw new RotatedSecretValidationError(
        this,
        `entry "${entry.id}" would put ${tagCount} tags on its secret (${Object.keys(entry.tags).length} of its own, ` +
          `the rest keyturn's): Secrets Manager allows ${MAX_SECRET_TAGS}; drop some of the entry's tags`,
      );
    }
    if (this.created && !props.encryptionKey) {
      throw new RotatedSecretValidationError(
        this,
        `entry "${entry.id}" creates secret "${entry.secret.name ?? ''}": an encryptionKey is required`,
      );
    }
    const usesMaster = serverTarget(entry.kind)?.usesMaster === true;
    if (usesMaster && !props.masterSecret) {
      throw new RotatedSecretValidationError(this, `entry "${entry.id}" is ${entry.kind}: a masterSecret is required`);
    }
    const source = entry.source;
    const needsAdmin = source.kind === 'http-api-key' && source.options.adminSecret !== undefined;
    if (needsAdmin !== (props.adminSecret !== undefined)) {
      throw new RotatedSecretValidationError(
        this,
        needsAdmin
          ? `entry "${entry.id}" names an admin credential secret: an adminSecret is required`
          : `entry "${entry.id}" is ${entry.kind} without an admin credential: it takes no adminSecret`,
      );
    }
    if (!usesMaster && props.masterSecret) {
      throw new RotatedSecretValidationError(
        this,
        `entry "${entry.id}" is ${entry.kind}: only kinds that rotate through a master user take a masterSecret`,
      );
    }
  }

  private createSecret(props: RotatedSecretProps): secretsmanager.Secret {
    const { entry } = props;
    return new secretsmanager.Secret(this, 'Secret', {
      secretName: entry.secret.name,
      description: entry.secret.description ?? `keyturn: ${entry.id} (${entry.kind}), owned by ${entry.owner.team}`,
      encryptionKey: props.encryptionKey,
      generateSecretString: this.initialValue(props.masterSecret),
      ...(entry.secret.replicaRegions?.length
        ? { replicaRegions: entry.secret.replicaRegions.map((region) => ({ region })) }
        : {}),
      // The value outlives the stack: removing an entry must never destroy a credential.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * The generated initial value. A random secret honours the entry's password options over the random
   * strategy's defaults; a JSON random secret gets its first field generated and the others empty, filled
   * by the first rotation. A database secret gets AWS's JSON shape with a generated `password`.
   */
  private initialValue(master: secretsmanager.ISecret | undefined): secretsmanager.SecretStringGenerator {
    const source = this.entry.source;
    if (source.kind === 'random') {
      const generator = generatorOptions({ ...RANDOM_DEFAULT_POLICY, ...definedOnly(source.options ?? {}) });
      const [first, ...others] = source.options?.fields ?? [];
      if (first === undefined) return generator;
      return {
        ...generator,
        secretStringTemplate: JSON.stringify(Object.fromEntries(others.map((field) => [field, '']))),
        generateStringKey: first,
      };
    }
    if (!isServerEntry(source)) {
      // The policy schema refuses it first: an access key or a provider's key cannot be generated, only issued.
      throw new RotatedSecretValidationError(
        this,
        `entry "${this.entry.id}" is ${source.kind}: its secret must be adopted`,
      );
    }
    const connection = source.options?.connection;
    const target = serverTarget(source.kind);
    if (!connection || !target) {
      throw new RotatedSecretValidationError(
        this,
        `entry "${this.entry.id}" creates a database secret without a connection`,
      );
    }
    const rds = rdsDatabaseOf(source);
    const template: Record<string, unknown> = {
      engine: ('engine' in connection ? connection.engine : undefined) ?? target.engine,
      // With an RDS identifier and no host, the rotation function finds the endpoint itself.
      ...(connection.host === undefined ? {} : { host: connection.host }),
      ...(rds && 'instance' in rds ? { dbInstanceIdentifier: rds.instance } : {}),
      ...(rds && 'cluster' in rds ? { dbClusterIdentifier: rds.cluster } : {}),
      ...(source.kind === 'elasticache-user' ? { userId: source.options.userId } : {}),
      port: connection.port ?? target.defaultPort,
      username: connection.username,
      ...(target.relational
        ? { dbname: ('dbname' in connection ? connection.dbname : undefined) ?? target.defaultDatabase }
        : {}),
      ssl: connection.ssl ?? false,
    };
    if (master) template.masterarn = master.secretArn;
    return {
      ...generatorOptions({ ...DATABASE_PASSWORD_DEFAULTS, ...definedOnly(source.options?.password ?? {}) }),
      secretStringTemplate: Stack.of(this).toJsonString(template),
      generateStringKey: 'password',
    };
  }

  /**
   * The resource policy of a created secret. Explicit denies, so no identity policy can override them:
   * `DeleteSecret` for everyone but the owner role (everyone, without one: deleting then takes a change of
   * the policy file, which is the point), and resource-policy changes for everyone but the owner and the
   * deploying role (or the next deployment could not apply that change). Consumers may read.
   */
  private guard(secret: secretsmanager.ISecret, deploymentRoleArns: string[]): secretsmanager.CfnResourcePolicy {
    const owner = this.entry.owner.roleArn;
    const exceptOwner = owner === undefined ? undefined : { ArnNotEquals: { 'aws:PrincipalArn': [owner] } };
    const managers = [...(owner === undefined ? [] : [owner]), ...deploymentRoleArns];
    const exceptManagers = managers.length === 0 ? undefined : { ArnNotEquals: { 'aws:PrincipalArn': managers } };
    const document = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: owner === undefined ? 'NobodyDeletes' : 'OnlyOwnerDeletes',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['secretsmanager:DeleteSecret'],
          resources: ['*'],
          conditions: exceptOwner,
        }),
        new iam.PolicyStatement({
          sid: 'OnlyOwnerAndDeployerChangeThisPolicy',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: GUARDED_POLICY_ACTIONS,
          resources: ['*'],
          conditions: exceptManagers,
        }),
      ],
    });
    const readers = this.entry.consumers.flatMap((c) => (c.roleArn === undefined ? [] : [c.roleArn]));
    if (readers.length > 0) {
      document.addStatements(
        new iam.PolicyStatement({
          sid: 'ConsumersRead',
          principals: [...new Set(readers)].map((arn) => new iam.ArnPrincipal(arn)),
          actions: ['secretsmanager:GetSecretValue'],
          resources: ['*'],
        }),
      );
    }
    return new secretsmanager.CfnResourcePolicy(this, 'ResourcePolicy', {
      secretId: secret.secretArn,
      resourcePolicy: document,
      blockPublicPolicy: true,
    });
  }

  private adopt(): { secret: secretsmanager.ISecret; secretId: string } {
    const { name, arn } = this.entry.secret;
    const secretId = arn ?? name;
    if (secretId === undefined)
      throw new RotatedSecretValidationError(this, `entry "${this.entry.id}" names no secret`);
    return { secret: importSecret(this, 'Secret', this.entry.secret), secretId };
  }
}

/** A secret keyturn did not create: by name or ARN, with the customer-managed key it is encrypted with, if any. */
export interface SecretImport {
  readonly name?: string;
  readonly arn?: string;
  readonly kmsKeyArn?: string;
}

/**
 * Imports a secret keyturn did not create. An ARN is complete when it ends in Secrets Manager's
 * six-character suffix (`-AbCdEf`), partial otherwise (a name that itself ends in a hyphen and six
 * letters looks complete: give such secrets by name). A key makes grants include `kms:Decrypt` on it.
 */
export function importSecret(scope: Construct, id: string, ref: SecretImport): secretsmanager.ISecret {
  const encryptionKey = ref.kmsKeyArn === undefined ? undefined : kms.Key.fromKeyArn(scope, `${id}Key`, ref.kmsKeyArn);
  if (ref.arn !== undefined) {
    const complete = /-[A-Za-z0-9]{6}$/.test(ref.arn.split(':secret:')[1] ?? '');
    return secretsmanager.Secret.fromSecretAttributes(
      scope,
      id,
      complete ? { secretCompleteArn: ref.arn, encryptionKey } : { secretPartialArn: ref.arn, encryptionKey },
    );
  }
  if (ref.name === undefined) throw new Error(`secret ${id}: give a name or an arn`);
  if (!encryptionKey) return secretsmanager.Secret.fromSecretNameV2(scope, id, ref.name);
  const partialArn = Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: ref.name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return secretsmanager.Secret.fromSecretAttributes(scope, id, { secretPartialArn: partialArn, encryptionKey });
}

/** The CloudFormation execution role of the default synthesizer, which applies the stack's changes. */
function defaultDeploymentRoles(scope: Construct): string[] {
  const synthesizer = Stack.of(scope).synthesizer;
  return synthesizer instanceof DefaultStackSynthesizer ? [Fn.sub(synthesizer.cloudFormationExecutionRoleArn)] : [];
}

function generatorOptions(policy: PasswordPolicy): secretsmanager.SecretStringGenerator {
  return {
    passwordLength: policy.length,
    excludeCharacters: policy.excludeCharacters,
    excludeNumbers: policy.excludeNumbers,
    excludePunctuation: policy.excludePunctuation,
    excludeUppercase: policy.excludeUppercase,
    excludeLowercase: policy.excludeLowercase,
    includeSpace: policy.includeSpace,
    requireEachIncludedType: policy.requireEachIncludedType,
  };
}

/** The password options an entry sets (an explicit `undefined` must not erase a default). */
function definedOnly(options: PasswordPolicy & Record<string, unknown>): PasswordPolicy {
  const keys: (keyof PasswordPolicy)[] = [
    'length',
    'excludeCharacters',
    'excludeNumbers',
    'excludePunctuation',
    'excludeUppercase',
    'excludeLowercase',
    'includeSpace',
    'requireEachIncludedType',
  ];
  return Object.fromEntries(keys.flatMap((key) => (options[key] === undefined ? [] : [[key, options[key]]])));
}
