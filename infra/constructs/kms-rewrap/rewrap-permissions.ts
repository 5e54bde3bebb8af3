import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ENTRY_RESOURCE_TAG } from '../kms-keys/kms-key-permissions';
import type { RotatedKey } from '../kms-keys/rotated-keys';

/**
 * What the re-wrap function's role may do (functions/kms-rewrap: DescribeTable, Scan, GetItem, UpdateItem,
 * DescribeKey, ReEncrypt), and nothing more:
 *
 * 1. On exactly the policy's tables (by ARN): `dynamodb:DescribeTable` (key schema, item count), `Scan` (its
 *    segment), `GetItem` (the consistent re-read after a lost conditional write), `UpdateItem` (the conditional
 *    write of the new ciphertext). No PutItem or DeleteItem: the job never creates or removes an item.
 * 2. `kms:ReEncryptFrom` on the keys ciphertexts may come from: each entry's own key and the policy's
 *    `allowedSourceKeys`, by ARN. KMS authorizes ReEncrypt on the source key as ReEncryptFrom and on the
 *    destination as ReEncryptTo, so a ciphertext under any other key is refused by KMS itself.
 * 3. `kms:ReEncryptTo` and `kms:DescribeKey` on the target: each entry's key by ARN. The job names the target by
 *    alias where the entry has one; KMS authorizes DescribeKey of an alias on the key it points to, and the job
 *    then re-wraps to that key's ARN.
 * 4. Where an entry's key may be replaced, its next generations have ARNs no one knows at synthesis: items
 *    re-wrap to the replacement behind the alias, and from the key the alias left. Both statements also apply to
 *    keys tagged `keyturn:entry` with such an entry's id (the tag every replacement carries, as the kms-key
 *    function's grants use it).
 */

/** DynamoDB actions on the policy's tables. */
export const REWRAP_TABLE_ACTIONS = [
  'dynamodb:DescribeTable',
  'dynamodb:Scan',
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
] as const;
/** KMS actions on the keys a ciphertext may come from. */
export const REWRAP_SOURCE_ACTIONS = ['kms:ReEncryptFrom'] as const;
/** KMS actions on the key items are re-wrapped to. */
export const REWRAP_TARGET_ACTIONS = ['kms:DescribeKey', 'kms:ReEncryptTo'] as const;

/** Properties of {@link grantRewrap}. */
export interface RewrapGrantProps {
  /** The re-wrap function's role. */
  readonly role: iam.IRole;
  /** The keys with re-wrap jobs (each with at least one). */
  readonly keys: readonly RotatedKey[];
}

/** Grants `props.role` what a re-wrap job calls (see the module comment), in policies of their own under `scope`. */
export function grantRewrap(scope: Construct, props: RewrapGrantProps): void {
  const { role, keys } = props;
  const stack = Stack.of(scope);
  const tableArns = unique(
    keys.flatMap((key) =>
      key.entry.rewrap.map((job) =>
        stack.formatArn({
          service: 'dynamodb',
          resource: 'table',
          resourceName: job.tableName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
    ),
  );
  const ownKeys = unique(keys.map((key) => key.key.keyArn));
  const extraSources = unique(keys.flatMap((key) => key.entry.rewrap.flatMap((job) => job.allowedSourceKeyArns)));

  new iam.Policy(scope, 'RewrapPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ sid: 'RewrapTables', actions: [...REWRAP_TABLE_ACTIONS], resources: tableArns }),
      new iam.PolicyStatement({
        sid: 'ReEncryptFromSourceKeys',
        actions: [...REWRAP_SOURCE_ACTIONS],
        resources: unique([...ownKeys, ...extraSources]),
      }),
      new iam.PolicyStatement({
        sid: 'ReEncryptToTargetKeys',
        actions: [...REWRAP_TARGET_ACTIONS],
        resources: ownKeys,
      }),
    ],
  });

  const replaceable = keys.filter((key) => key.replaceable).map((key) => key.entry.id);
  if (replaceable.length === 0) return;
  const generations = new iam.Policy(scope, 'RewrapReplacementKeysPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'ReEncryptBetweenKeyGenerations',
        actions: [...REWRAP_SOURCE_ACTIONS, ...REWRAP_TARGET_ACTIONS],
        resources: [
          stack.formatArn({
            service: 'kms',
            resource: 'key',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
        conditions: { StringEquals: { [ENTRY_RESOURCE_TAG]: replaceable } },
      }),
    ],
  });
  Validations.of(generations).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    reason:
      'A replaceable key is replaced by a new key whose id KMS draws when the kms-key run creates it, so its ARN ' +
      'cannot be named at synthesis. The statement applies only to keys tagged keyturn:entry with the id of one of ' +
      "the policy's replaceable entries with re-wrap jobs (aws:ResourceTag), and allows only what re-wrapping " +
      'needs: ReEncryptFrom (the key the alias left) and ReEncryptTo and DescribeKey (the key behind the alias).',
  });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
