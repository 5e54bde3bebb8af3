import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Token, TokenComparison, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Architecture, ApplicationLogLevel, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  LAMBDA_NODE_MAJOR,
  ROTATE_SECRET_BUNDLE,
  ROTATE_SECRET_ENTRY,
  ROTATE_SECRET_ENVIRONMENT,
  ROTATE_SECRET_HANDLER,
  type LambdaBundleSettings,
  REPO_ROOT,
} from './bundling-options';

/** Properties of a {@link RotationFunction}. */
export interface RotationFunctionProps {
  /**
   * How long one rotation step may run. Secrets Manager calls the function once per step
   * (createSecret, setSecret, testSecret, finishSecret) and retries the rotation when a step fails.
   *
   * Must be whole seconds between 1 second and 15 minutes.
   *
   * @default Duration.seconds(45)
   */
  readonly timeout?: Duration;

  /**
   * Memory of the function in MB (CPU scales with it).
   *
   * Must be an integer between 128 and 10240.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How long the function's logs are kept. Rotation logs are part of the audit trail, so they must expire
   * on purpose: `RetentionDays.INFINITE` is rejected.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it is removed from the stack.
   *
   * @default RemovalPolicy.RETAIN - rotation logs outlive the stack, for audit
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Path of the handler's entry file (exporting `handler`). Only tests and tools should need to change it.
   * Its project is the nearest directory above it holding a `package-lock.json`; dependencies are
   * resolved from there.
   *
   * @default - `functions/rotate-secret/handler.ts` in this repository
   */
  readonly entry?: string;
}

/** Thrown when a {@link RotationFunction} is given props or a secret it cannot work with. */
export class RotationFunctionValidationError extends Error {
  override readonly name = 'RotationFunctionValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

const DEFAULT_TIMEOUT = Duration.seconds(45);
const DEFAULT_MEMORY_MB = 256;
const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

const MIN_MEMORY_MB = 128;
const MAX_MEMORY_MB = 10_240;
const MAX_TIMEOUT_SECONDS = 900;

/** The secret-level actions the AWS rotation contract needs (what AWS's own rotation functions get). */
export const ROTATION_CONTRACT_ACTIONS: readonly string[] = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];

/**
 * Read-only, beyond the contract: lists the secret's version ids and labels (never values). keyturn's
 * rotation uses it to recover when neither AWSCURRENT nor AWSPREVIOUS still opens the target, by trying
 * the newest unlabelled versions (`functions/strategies/credential-candidates.ts`); DescribeSecret only
 * shows labelled versions.
 */
export const VERSION_LISTING_ACTIONS: readonly string[] = ['secretsmanager:ListSecretVersionIds'];

/** Everything {@link RotationFunction.grantRotate} allows on the granted secret itself. */
export const ROTATE_SECRET_ACTIONS: readonly string[] = [...ROTATION_CONTRACT_ACTIONS, ...VERSION_LISTING_ACTIONS];

const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';

/**
 * The Lambda function that Secrets Manager invokes to rotate a secret (the four rotation steps).
 *
 * It is a bundled `NodejsFunction` (local esbuild, no Docker) on the newest Node.js runtime, ARM64,
 * with its own log group and a role that holds nothing until secrets are granted with
 * {@link RotationFunction.grantRotate}.
 *
 * X-Ray tracing is off: the handler is not instrumented for it (no Powertools Tracer), rotation is
 * observed through structured logs and EMF metrics, and active tracing would add an IAM statement on
 * `Resource: *` for no insight.
 */
export class RotationFunction extends Construct implements iam.IGrantable {
  /** The underlying Lambda function. */
  public readonly function: NodejsFunction;

  /** The function's execution role. */
  public readonly role: iam.IRole;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  public readonly grantPrincipal: iam.IPrincipal;

  /** Set by the first {@link grantRotate}: what rotating any secret needs, created once. */
  private hasRotationPrerequisites = false;

  constructor(scope: Construct, id: string, props: RotationFunctionProps = {}) {
    super(scope, id);

    const timeout = props.timeout ?? DEFAULT_TIMEOUT;
    const memorySize = props.memorySize ?? DEFAULT_MEMORY_MB;
    const logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    validateTimeout(this, timeout);
    validateMemorySize(this, memorySize);
    validateLogRetention(this, logRetention);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // An own role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole, which may write to any log group in the account.
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'keyturn rotation function: writes its own logs; secrets are granted one by one',
    });
    this.logGroup.grantWrite(role);
    this.role = role;
    this.grantPrincipal = role;

    const entry = path.resolve(props.entry ?? ROTATE_SECRET_ENTRY);
    const depsLockFilePath = findProjectLockFile(this, entry);

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: ROTATE_SECRET_HANDLER,
      projectRoot: path.dirname(depsLockFilePath),
      depsLockFilePath,
      runtime: lambdaRuntime(LAMBDA_NODE_MAJOR),
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      tracing: Tracing.DISABLED,
      environment: { ...ROTATE_SECRET_ENVIRONMENT },
      bundling: toCdkBundlingOptions(ROTATE_SECRET_BUNDLE),
      description:
        'keyturn: rotates secrets on behalf of Secrets Manager (createSecret/setSecret/testSecret/finishSecret)',
    });
  }

  /**
   * Lets this function rotate `secret`, with what the AWS rotation contract requires and no more:
   *
   * - `DescribeSecret`, `GetSecretValue`, `PutSecretValue`, `UpdateSecretVersionStage` on that secret only,
   *   plus the read-only `ListSecretVersionIds` the handler's credential recovery needs;
   * - `kms:Decrypt` and `kms:GenerateDataKey` on the secret's customer managed key, if it has one, and
   *   only when called through Secrets Manager;
   * - `secretsmanager:GetRandomPassword`, which has no resource (granted once, in its own policy);
   * - a resource-based permission for `secretsmanager.amazonaws.com` to invoke the function, limited to
   *   calls on behalf of this account (`aws:SourceAccount`; granted once).
   *
   * The secret must live in the function's account and region: Secrets Manager only invokes rotation
   * functions in the secret's own region, and this function only trusts its own account.
   */
  public grantRotate(secret: ISecret): iam.Grant {
    this.validateSameEnvironment(secret);

    const secretGrant = iam.Grant.addToPrincipal({
      grantee: this,
      actions: [...ROTATE_SECRET_ACTIONS],
      resourceArns: [secretArnForPolicies(secret)],
    });

    this.ensureRotationPrerequisites();

    let grant = secretGrant;
    if (secret.encryptionKey) {
      const viaSecretsManager = new kms.ViaServicePrincipal(
        `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
        this.grantPrincipal,
      );
      grant = grant.combine(secret.encryptionKey.grant(viaSecretsManager, 'kms:Decrypt', 'kms:GenerateDataKey'));
    }
    return grant;
  }

  private ensureRotationPrerequisites(): void {
    if (this.hasRotationPrerequisites) return;
    this.hasRotationPrerequisites = true;

    // A policy of its own, so the one acknowledged wildcard cannot hide any other.
    const randomPasswordPolicy = new iam.Policy(this, 'RandomPasswordPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetRandomPassword'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(randomPasswordPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'secretsmanager:GetRandomPassword supports no resource-level permissions (the Service Authorization ' +
        'Reference lists no resource type for it), so Resource must be "*". The action only returns random ' +
        'bytes and touches no secret; this policy holds that one action and nothing else.',
    });

    this.function.addPermission('InvokedBySecretsManager', {
      principal: new iam.ServicePrincipal(SECRETS_MANAGER_PRINCIPAL),
      action: 'lambda:InvokeFunction',
      sourceAccount: Stack.of(this).account,
    });
  }

  private validateSameEnvironment(secret: ISecret): void {
    const own = Stack.of(this);
    const checks: readonly [string, string, string][] = [
      ['account', secret.env.account, own.account],
      ['region', secret.env.region, own.region],
    ];
    for (const [what, theirs, ours] of checks) {
      if (Token.compareStrings(theirs, ours) === TokenComparison.DIFFERENT) {
        throw new RotationFunctionValidationError(
          this,
          `cannot rotate secret ${secret.node.path}: it is in ${what} "${theirs}" but the rotation function is in ${what} "${ours}"`,
        );
      }
    }
  }
}

/** The IAM resource of a secret: its full ARN if known, else the partial ARN plus the six-character suffix. */
function secretArnForPolicies(secret: ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/** The `package-lock.json` nearest above `entry`: it marks the project whose dependencies get bundled. */
function findProjectLockFile(scope: Construct, entry: string): string {
  if (!fs.existsSync(entry)) {
    throw new RotationFunctionValidationError(scope, `entry "${entry}" does not exist`);
  }
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package-lock.json');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new RotationFunctionValidationError(
    scope,
    `entry "${entry}" is not inside an npm project: no package-lock.json in any directory above it`,
  );
}

function lambdaRuntime(nodeMajor: number): Runtime {
  const name = `nodejs${nodeMajor}.x`;
  const runtime = Runtime.ALL.find((candidate) => candidate.name === name);
  if (!runtime) {
    throw new Error(`aws-cdk-lib does not know the Lambda runtime "${name}" (LAMBDA_NODE_MAJOR=${nodeMajor})`);
  }
  return runtime;
}

/** The `NodejsFunction` bundling options for `settings`: local esbuild, never Docker. */
export function toCdkBundlingOptions(settings: LambdaBundleSettings): BundlingOptions {
  return {
    forceDockerBundling: false,
    target: settings.target,
    format: OutputFormat.CJS,
    minify: settings.minify,
    sourceMap: settings.sourceMap,
    sourcesContent: settings.sourcesContent,
    keepNames: settings.keepNames,
    mainFields: [...settings.mainFields],
    externalModules: [...settings.externalModules],
    bundleAwsSDK: !settings.externalModules.some((name) => name.startsWith('@aws-sdk/')),
    esbuildArgs: Object.fromEntries(
      Object.entries(settings.aliases).map(([name, file]) => [`--alias:${name}`, path.join(REPO_ROOT, file)]),
    ),
  };
}

function validateTimeout(scope: Construct, timeout: Duration): void {
  if (timeout.isUnresolved()) return;
  const millis = timeout.toMilliseconds();
  if (millis % 1000 !== 0 || millis < 1000 || millis > MAX_TIMEOUT_SECONDS * 1000) {
    throw new RotationFunctionValidationError(
      scope,
      `timeout must be whole seconds between 1 and ${MAX_TIMEOUT_SECONDS}, got ${timeout.toHumanString()}`,
    );
  }
}

function validateMemorySize(scope: Construct, memorySize: number): void {
  if (Token.isUnresolved(memorySize)) return;
  if (!Number.isInteger(memorySize) || memorySize < MIN_MEMORY_MB || memorySize > MAX_MEMORY_MB) {
    throw new RotationFunctionValidationError(
      scope,
      `memorySize must be an integer number of MB between ${MIN_MEMORY_MB} and ${MAX_MEMORY_MB}, got ${memorySize}`,
    );
  }
}

function validateLogRetention(scope: Construct, retention: logs.RetentionDays): void {
  if (retention === logs.RetentionDays.INFINITE) {
    throw new RotationFunctionValidationError(
      scope,
      'logRetention must be finite, got RetentionDays.INFINITE: rotation logs should expire on purpose',
    );
  }
}
