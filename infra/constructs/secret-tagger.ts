import { Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsCustomResource, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct, DependencyGroup, type IDependable } from 'constructs';
import { CONSUMER_TAG_KEYS } from '../../functions/shared/consumer-refresh';
import { OptionTag, TAG_PREFIX } from '../../functions/strategies/tag-options';
import { LifecycleTag, ManagementTag } from '../policy/strategy-tags';
import { secretArnForPolicies } from './rotation-function';

/** Every `keyturn:*` tag keyturn writes: the ones an entry does not set are removed from an adopted secret. */
export const KEYTURN_TAG_KEYS: readonly string[] = [
  ...Object.values(ManagementTag),
  ...Object.values(OptionTag),
  ...Object.values(LifecycleTag),
  ...CONSUMER_TAG_KEYS,
];

/** Properties of a {@link SecretTagger}. */
export interface SecretTaggerProps {
  /**
   * Key of the tagging function's log group. Its key policy must let CloudWatch Logs use it.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * How long the tagging function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const TAGGER_ID = 'KeyturnSecretTagger';

/**
 * Tags secrets that CloudFormation cannot tag because another stack or no stack owns them (adopted
 * secrets): the rotation function reads a secret's `keyturn:*` tags to choose its strategy and options.
 *
 * One per stack ({@link SecretTagger.of}), because `AwsCustomResource` runs one Lambda function per
 * stack with one role. That role gets ONE policy listing every tagged secret, rather than a policy per
 * secret: IAM adds up all inline policies of a role against a 10,240-character limit, which a policy per
 * secret would exceed at about fifty secrets. Tag keys are limited to `keyturn:*` and the tag keys the
 * stack's entries use.
 */
export class SecretTagger extends Construct {
  /** The stack's tagger, created on first use with `props`. */
  public static of(scope: Construct, props: SecretTaggerProps = {}): SecretTagger {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(TAGGER_ID);
    if (existing instanceof SecretTagger) return existing;
    return new SecretTagger(stack, TAGGER_ID, props);
  }

  /** The role of the stack's `AwsCustomResource` function. */
  public readonly role: iam.Role;

  /** The log group of the stack's `AwsCustomResource` function. */
  public readonly logGroup: logs.ILogGroup;

  private readonly statement: iam.PolicyStatement;
  private readonly policy: iam.Policy;
  private readonly tagKeys = new Set<string>([`${TAG_PREFIX}*`]);

  private constructor(scope: Construct, id: string, props: SecretTaggerProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'keyturn: tags adopted secrets with their keyturn:* tags, nothing else',
    });
    this.logGroup.grantWrite(this.role);
    this.statement = new iam.PolicyStatement({
      actions: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
      conditions: {
        'ForAllValues:StringLike': {
          'aws:TagKeys': Lazy.list({ produce: () => [...this.tagKeys].sort() }),
        },
      },
    });
    this.policy = new iam.Policy(this, 'Policy', { roles: [this.role], statements: [this.statement] });
  }

  /**
   * Puts `tags` on `secret` when deployed and updated, and removes them again when `scope` leaves the
   * stack. Also removes the `keyturn:*` tags keyturn knows but `tags` no longer has (an option taken out
   * of the policy must not linger: the rotation function would still apply it). Tags other than
   * `keyturn:*` are never removed: they may have been there before keyturn.
   *
   * @param secretId how the API calls name the secret: its name or ARN
   * @returns what must be in place before anything relies on the tags
   */
  public tag(scope: Construct, secret: ISecret, secretId: string, tags: Readonly<Record<string, string>>): IDependable {
    this.statement.addResources(secretArnForPolicies(secret));
    for (const key of Object.keys(tags)) if (!key.startsWith(TAG_PREFIX)) this.tagKeys.add(key);

    const done = new DependencyGroup();
    const common = {
      role: this.role,
      logGroup: this.logGroup,
      installLatestAwsSdk: false,
    };
    const stale = KEYTURN_TAG_KEYS.filter((key) => !(key in tags));
    let cleanup: AwsCustomResource | undefined;
    if (stale.length > 0) {
      cleanup = new AwsCustomResource(scope, 'RemoveStaleKeyturnTags', {
        ...common,
        onUpdate: {
          service: 'SecretsManager',
          action: 'UntagResource',
          parameters: { SecretId: secretId, TagKeys: stale },
          physicalResourceId: PhysicalResourceId.of(`${secretId}:stale-keyturn-tags`),
        },
      });
      cleanup.node.addDependency(this.policy);
      done.add(cleanup);
    }
    const keyturnKeys = Object.keys(tags).filter((key) => key.startsWith(TAG_PREFIX));
    const apply = new AwsCustomResource(scope, 'KeyturnTags', {
      ...common,
      onUpdate: {
        service: 'SecretsManager',
        action: 'TagResource',
        parameters: { SecretId: secretId, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        physicalResourceId: PhysicalResourceId.of(`${secretId}:keyturn-tags`),
      },
      onDelete: {
        service: 'SecretsManager',
        action: 'UntagResource',
        parameters: { SecretId: secretId, TagKeys: keyturnKeys },
      },
    });
    apply.node.addDependency(this.policy);
    if (cleanup) apply.node.addDependency(cleanup);
    done.add(apply);
    return done;
  }
}
