import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * Grants `role` secretsmanager:ListSecrets in a policy of its own, so the one acknowledged
 * wildcard (ListSecrets has no resource-level permissions) cannot hide any other statement.
 */
export function grantListSecrets(scope: Construct, role: iam.IRole): iam.Policy {
  const policy = new iam.Policy(scope, 'ListSecretsPolicy', {
    roles: [role],
    statements: [new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] })],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'secretsmanager:ListSecrets supports no resource-level permissions (the Service Authorization Reference ' +
      'lists no resource type for it), so Resource must be "*". It returns secret metadata and tags, never ' +
      'values; this policy holds that one action and nothing else.',
  });
  return policy;
}
