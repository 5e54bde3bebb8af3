import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { REPLACEMENT_TAGS } from '../../../functions/kms-key/replacement-key';
import type { RotatedKey } from './rotated-keys';

/**
 * What the kms-key function's role may do, and nothing more (functions/kms-key/kms-client.ts lists the calls):
 *
 * 1. On exactly the policy's keys (`key.grant`, by ARN): read the key, its rotations, policy, tags and last use;
 *    rotate it on demand; tag it (the replacement's marks); enable, disable, schedule and cancel its deletion; move
 *    an alias off it or onto it; and the round trip of its usage.
 * 2. On exactly the policy's aliases (by ARN): `UpdateAlias`, `CreateAlias` (KMS checks the alias and both keys).
 * 3. Where a key may be replaced:
 *    - on the replacement keys, found by the tag every generation carries (`aws:ResourceTag/keyturn:entry` = the
 *      entry's id): what the policy's own keys get (a replacement is the key the next run rotates, disables and
 *      retires) and its round trip;
 *    - `kms:CreateKey` (no resource type: `*`) only when the request tags the new key `keyturn:entry` with one of
 *      those entries and names the key it replaces and a `keyturn:rotation-id`; and `kms:TagResource` on the
 *      account's keys under the same conditions, which KMS requires of a CreateKey with tags (an IAM policy "not
 *      restricted to particular keys");
 *    - `kms:ListKeys` (a retry finds the replacement it made) and `cloudtrail:LookupEvents` (the canary reads
 *      refused calls of the disabled key): both read-only, and without resource types.
 * 4. `kms:ListAliases` (an alias's target): read-only, no resource type.
 */

/** On the policy's own keys, whatever their usage. */
export const KEY_MANAGEMENT_ACTIONS = [
  'kms:DescribeKey',
  'kms:ListKeyRotations',
  'kms:GetKeyRotationStatus',
  'kms:RotateKeyOnDemand',
  'kms:GetKeyPolicy',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:GetKeyLastUsage',
  'kms:UpdateAlias',
  'kms:CreateAlias',
] as const;

/** On an alias the policy names. */
export const ALIAS_ACTIONS = ['kms:UpdateAlias', 'kms:CreateAlias'] as const;

/** Properties of {@link grantKeyRotation}. */
export interface KeyRotationGrantProps {
  /** The role of the kms-key function. */
  readonly role: iam.IRole;
  /** The keys it rotates. */
  readonly keys: readonly RotatedKey[];
}

/** The condition key of the tag every generation of a replaced key carries: the entry it belongs to. */
export const ENTRY_RESOURCE_TAG = `aws:ResourceTag/${REPLACEMENT_TAGS.entry}`;

/** Grants `props.role` what a kms-key run calls (see the module comment), in policies of their own under `scope`. */
export function grantKeyRotation(scope: Construct, props: KeyRotationGrantProps): void {
  const { role, keys } = props;
  for (const key of keys) key.key.grant(role, ...KEY_MANAGEMENT_ACTIONS, ...key.roundTripActions);
  const aliasArns = keys.flatMap((key) => (key.aliasArn === undefined ? [] : [key.aliasArn]));
  if (aliasArns.length > 0) {
    iam.Grant.addToPrincipal({ grantee: role, actions: [...ALIAS_ACTIONS], resourceArns: aliasArns });
  }
  const listed = ['kms:ListAliases'];
  const replaceable = keys.filter((key) => key.replaceable);
  if (replaceable.length > 0) {
    grantReplacement(scope, role, replaceable);
    listed.unshift('kms:ListKeys');
  }
  const listPolicy = new iam.Policy(scope, 'ListKeysPolicy', {
    roles: [role],
    statements: [new iam.PolicyStatement({ sid: 'ListKeysAndAliases', actions: listed, resources: ['*'] })],
  });
  Validations.of(listPolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      `${listed.join(' and ')} support no resource-level permissions (IAM needs "*"); they only list key ids and ` +
      'alias names: a run reads where an alias points (ListAliases) and, for a key it may replace, finds the ' +
      'replacement a retried run already made (ListKeys).',
  });
}

/** The replacement keys, creating them, and the CloudTrail read of the canary. */
function grantReplacement(scope: Construct, role: iam.IRole, replaceable: readonly RotatedKey[]): void {
  const entryIds = replaceable.map((key) => key.entry.id);
  const anyKey = Stack.of(scope).formatArn({
    service: 'kms',
    resource: 'key',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const anyKeyFinding = 'arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*';
  const roundTrips = [...new Set(replaceable.flatMap((key) => key.roundTripActions))];

  const replacements = new iam.Policy(scope, 'ReplacementKeysPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'ReplacementKeys',
        actions: [...KEY_MANAGEMENT_ACTIONS, ...roundTrips],
        resources: [anyKey],
        conditions: { StringEquals: { [ENTRY_RESOURCE_TAG]: entryIds } },
      }),
    ],
  });
  Validations.of(replacements).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${anyKeyFinding}]`,
    reason:
      'Replacement keys get their ids from KMS when a run creates them, so no ARN can be named at synthesis: the ' +
      `statement applies only to keys tagged ${REPLACEMENT_TAGS.entry} with the id of one of the policy's ` +
      'replaceable entries (attribute-based access control, aws:ResourceTag), and allows what a run does with the ' +
      'key it made and, a rotation later, with it as the old key: the same actions as on the policy keys.',
  });

  const requestTags = {
    StringEquals: { [`aws:RequestTag/${REPLACEMENT_TAGS.entry}`]: entryIds },
    Null: {
      [`aws:RequestTag/${REPLACEMENT_TAGS.replaces}`]: 'false',
      [`aws:RequestTag/${REPLACEMENT_TAGS.rotationId}`]: 'false',
    },
  };
  const creation = new iam.Policy(scope, 'CreateReplacementKeysPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'CreateTaggedReplacementKeys',
        actions: ['kms:CreateKey'],
        resources: ['*'],
        conditions: requestTags,
      }),
      new iam.PolicyStatement({
        sid: 'TagReplacementKeysAtCreation',
        actions: ['kms:TagResource'],
        resources: [anyKey],
        conditions: requestTags,
      }),
    ],
  });
  Validations.of(creation).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'kms:CreateKey has no resource type, so IAM only accepts "*". It is allowed only for a request that tags the ' +
      `new key ${REPLACEMENT_TAGS.entry} with the id of one of the policy's replaceable entries and names the key ` +
      `it replaces and a ${REPLACEMENT_TAGS.rotationId}: the replacement a run makes. The tags cannot be limited to those two (aws:TagKeys): ` +
      "the replacement copies the old key's own tags.",
  });
  Validations.of(creation).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${anyKeyFinding}]`,
    reason:
      'KMS authorizes the tags of CreateKey as kms:TagResource and requires that permission in an IAM policy not ' +
      "restricted to particular keys (the new key's id is not known yet). It carries the same conditions as " +
      `CreateKey: the request must tag ${REPLACEMENT_TAGS.entry} with one of the policy's replaceable entries and ` +
      `name ${REPLACEMENT_TAGS.replaces} and ${REPLACEMENT_TAGS.rotationId}.`,
  });

  const trail = new iam.Policy(scope, 'CloudTrailLookupPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ sid: 'ReadEventHistory', actions: ['cloudtrail:LookupEvents'], resources: ['*'] }),
    ],
  });
  Validations.of(trail).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudtrail:LookupEvents supports no resource-level permissions. It only reads the event history: the canary ' +
      'looks up refused calls of the disabled old key (by its ARN) before its deletion is scheduled.',
  });
}
