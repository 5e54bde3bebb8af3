import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { secretArnForPolicies } from '../rotation-function';

/** What {@link RotatableSecrets.bind} gives a role for some actions. */
export interface RotatableSecretsConfig {
  /** The statements: an Allow, and for tag-based access a Deny that narrows it. */
  readonly statements: iam.PolicyStatement[];
  /** The cdk-nag finding a wildcard resource raises, and why it is acceptable. */
  readonly acknowledgement?: { readonly id: string; readonly reason: string };
}

/**
 * The secrets keyturn's orchestration may act on (describe, start rotating): see {@link RotatableSecrets.of} and
 * {@link RotatableSecrets.taggedWith}.
 */
export abstract class RotatableSecrets {
  /** Exactly these secrets, by ARN. Fits a few dozen secrets: every ARN goes into the role's policy. */
  public static of(...secrets: ISecret[]): RotatableSecrets {
    if (secrets.length === 0) throw new Error('RotatableSecrets.of needs at least one secret');
    return new (class extends RotatableSecrets {
      public bind(_scope: Construct, actions: readonly string[]): RotatableSecretsConfig {
        return {
          statements: [
            new iam.PolicyStatement({ actions: [...actions], resources: secrets.map(secretArnForPolicies) }),
          ],
        };
      }
    })();
  }

  /**
   * Every secret of the role's account and region that carries tag `key` = `value` (attribute-based access
   * control). The policy stays the same size however many secrets there are, which is what lets one state
   * machine serve a policy of hundreds of secrets: IAM caps a role's inline policies at 10,240 characters, about
   * a hundred secret ARNs. The Allow carries the tag condition, and a Deny for every other secret backs it up, so
   * no other statement on the role can widen it by accident.
   */
  public static taggedWith(key: string, value: string): RotatableSecrets {
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(key)) {
      throw new Error(`RotatableSecrets.taggedWith needs a tag key (1-128 tag characters), got "${key}"`);
    }
    return new (class extends RotatableSecrets {
      public bind(scope: Construct, actions: readonly string[]): RotatableSecretsConfig {
        const anySecret = Stack.of(scope).formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
        const condition = `aws:ResourceTag/${key}`;
        return {
          statements: [
            new iam.PolicyStatement({
              sid: 'TaggedSecrets',
              actions: [...actions],
              resources: [anySecret],
              conditions: { StringEquals: { [condition]: value } },
            }),
            new iam.PolicyStatement({
              sid: 'OnlyTaggedSecrets',
              effect: iam.Effect.DENY,
              actions: [...actions],
              resources: [anySecret],
              conditions: { StringNotEquals: { [condition]: value } },
            }),
          ],
          acknowledgement: {
            id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
            reason:
              `${actions.join(', ')} only on secrets tagged ${key}=${value} (attribute-based access control: the ` +
              'Allow carries the tag condition and the Deny statement OnlyTaggedSecrets removes every other ' +
              "secret). Listing ARNs instead would not fit a role's 10,240-character policy limit for hundreds of " +
              'secrets. None of these actions reads a secret value.',
          },
        };
      }
    })();
  }

  /** The statements allowing `actions` on these secrets. */
  public abstract bind(scope: Construct, actions: readonly string[]): RotatableSecretsConfig;

  /**
   * Lets `role` call `actions` on these secrets, in a policy of its own (`id`, in `scope`), so the one
   * acknowledged wildcard cannot hide any other.
   */
  public grant(scope: Construct, id: string, role: iam.IRole, actions: readonly string[]): iam.Policy {
    if (actions.length === 0) throw new Error('RotatableSecrets.grant needs at least one action');
    const config = this.bind(scope, actions);
    const policy = new iam.Policy(scope, id, { roles: [role], statements: config.statements });
    if (config.acknowledgement) Validations.of(policy).acknowledge(config.acknowledgement);
    return policy;
  }
}
