import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ENTRY_RESOURCE_TAG } from './kms-keys/kms-key-permissions';

/** What the freshness check calls on a key (functions/freshness-check/key-reader.ts): reads only. */
export const KEY_FRESHNESS_ACTIONS = ['kms:DescribeKey', 'kms:ListKeyRotations'] as const;

/** A key the freshness check may read. */
export interface ReadableKey {
  readonly entryId: string;
  readonly key: kms.IKey;
  /** A run may replace it: the check then reads the replacement its alias points at. */
  readonly replaceable: boolean;
}

/**
 * Grants `role` the freshness check's reads: on exactly the policy's keys (by ARN), and, where a key may be replaced,
 * on the replacement keys of those entries only (any key of the account tagged `keyturn:entry` with one of their ids,
 * as the kms-key function's own grant; kms-key-permissions.ts), in a policy of its own with its acknowledgement.
 */
export function grantKeyFreshnessReads(scope: Construct, role: iam.IRole, keys: readonly ReadableKey[]): void {
  if (keys.length === 0) return;
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: [...KEY_FRESHNESS_ACTIONS],
    resourceArns: keys.map((key) => key.key.keyArn),
  });
  const replaceable = keys.filter((key) => key.replaceable).map((key) => key.entryId);
  if (replaceable.length === 0) return;
  const anyKey = Stack.of(scope).formatArn({
    service: 'kms',
    resource: 'key',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const policy = new iam.Policy(scope, 'ReadReplacementKeysPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadReplacementKeys',
        actions: [...KEY_FRESHNESS_ACTIONS],
        resources: [anyKey],
        conditions: { StringEquals: { [ENTRY_RESOURCE_TAG]: replaceable } },
      }),
    ],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    reason:
      "A replaced key's successors get their ids from KMS when a run creates them, so no ARN can be named at " +
      "synthesis: the statement applies only to keys tagged with the id of one of the policy's replaceable entries " +
      '(aws:ResourceTag), and allows reading them only (DescribeKey, ListKeyRotations): the freshness check reads ' +
      'the key the alias points at now.',
  });
}
