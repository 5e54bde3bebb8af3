import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AUDIT_EVENT_SOURCE } from '../../../functions/shared/metric-names';
import {
  AuditTrail,
  type AuditTrailProps,
  CLOUDWATCH_LOGS_RETENTION_DAYS,
} from '../../../infra/constructs/observability';
import { newStack, render, resourcesOfType } from './support';

const LOG_GROUP_ARN =
  'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/keyturn/Keyturn/rotation-audit';

describe('AuditTrail', () => {
  let template: Template;
  let topicId: string;

  beforeAll(() => {
    // GIVEN an alert topic
    const { stack } = newStack();
    const topic = new sns.Topic(stack, 'Alerts');
    topicId = stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic);

    // WHEN
    new AuditTrail(stack, 'Audit', { alertTopic: topic, runbookBaseUrl: 'https://example.com/docs/runbooks.md' });
    template = Template.fromStack(stack);
  });

  test('has its own event bus and archives its audit events for a year by default', () => {
    // THEN
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditBus'), 'Arn'] },
      EventPattern: { source: [AUDIT_EVENT_SOURCE] },
      RetentionDays: 365,
    });
  });

  test('keeps the audit log a year by default, encrypted with a rotating customer managed key, retained on delete', () => {
    // THEN
    const keyId = Object.keys(resourcesOfType(template, 'AWS::KMS::Key'))[0] ?? '';
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: '/keyturn/Keyturn/rotation-audit',
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('lets CloudWatch Logs use the key for the audit log group only', () => {
    // THEN
    const key = Object.values(resourcesOfType(template, 'AWS::KMS::Key'))[0];
    const statements = (key?.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const logs = statements.find((s) => render((s.Principal as { Service?: unknown }).Service).startsWith('logs.'));
    expect(render((logs?.Principal as { Service: unknown }).Service)).toBe('logs.${AWS::Region}.amazonaws.com');
    expect(logs?.Action).toEqual(
      expect.arrayContaining(['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']),
    );
    const condition = (logs?.Condition as { ArnEquals: Record<string, unknown> }).ArnEquals;
    expect(render(condition['kms:EncryptionContext:aws:logs:arn'])).toBe(LOG_GROUP_ARN);
  });

  test('sends every audit event on its bus to the log group', () => {
    // THEN
    const busId = Object.keys(resourcesOfType(template, 'AWS::Events::EventBus'))[0];
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter(
      (r) => r.Properties.EventBusName !== undefined,
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties.EventBusName).toEqual({ Ref: busId });
    expect(rules[0]?.Properties.EventPattern).toEqual({ source: [AUDIT_EVENT_SOURCE] });
    const targets = rules[0]?.Properties.Targets as { Arn: unknown; RoleArn?: unknown }[];
    expect(targets.map((t) => render(t.Arn))).toEqual([LOG_GROUP_ARN]);
    expect(targets[0]?.RoleArn).toBeUndefined();
  });

  test("sends Secrets Manager's own rotation events from the default bus to the same log group", () => {
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationStarted', 'RotationSucceeded', 'RotationFailed', 'RotationAbandoned'],
        },
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
    const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find((r) =>
      JSON.stringify(r.Properties.EventPattern).includes('RotationStarted'),
    );
    expect((rule?.Properties.Targets as { Arn: unknown }[]).map((t) => render(t.Arn))).toEqual([LOG_GROUP_ARN]);
  });

  test('gives EventBridge write access to the log group through a native resource policy, no custom resource', () => {
    // THEN
    const policies = Object.values(resourcesOfType(template, 'AWS::Logs::ResourcePolicy'));
    expect(policies).toHaveLength(1);
    const document = JSON.parse(render(policies[0]?.Properties.PolicyDocument).replace(/\$\{([^}]+)\}/g, '<$1>')) as {
      Statement: Record<string, unknown>[];
    };
    expect(document.Statement).toEqual([
      {
        Sid: 'EventBridgeWritesAuditEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: expect.stringMatching(/^<AuditLogGroup[0-9A-F]+\.Arn>$/) as string,
      },
    ]);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('Custom::CloudwatchLogResourcePolicy', 0);
  });

  test('counts the audit events that reached the log, for the audit-completeness SLI', () => {
    // THEN
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ $.source = "${AUDIT_EVENT_SOURCE}" }`,
      MetricTransformations: [{ MetricNamespace: 'keyturn', MetricName: 'AuditEventsRecorded', MetricValue: '1' }],
    });
  });

  test("counts Secrets Manager's own rotation events by event name, failures the function never reports included", () => {
    // THEN
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.source = "aws.secretsmanager" }',
      MetricTransformations: [
        {
          MetricNamespace: 'keyturn',
          MetricName: 'SecretsManagerRotationEvents',
          MetricValue: '1',
          Dimensions: [{ Key: 'EventName', Value: '$.detail.eventName' }],
        },
      ],
    });
  });

  test('announces RotationFailed and RotationAbandoned on the alert topic with the secret ARN and event name only', () => {
    // THEN
    const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find(
      (r) =>
        (r.Properties.Targets as { Arn: unknown }[])[0]?.Arn !== undefined &&
        render((r.Properties.Targets as { Arn: unknown }[])[0]?.Arn) === `\${${topicId}}`,
    );
    expect(rule?.Properties.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed', 'RotationAbandoned'] },
    });
    const transformer = (rule?.Properties.Targets as { InputTransformer: Record<string, unknown> }[])[0]
      ?.InputTransformer;
    const paths = transformer?.InputPathsMap as Record<string, string>;
    expect(Object.values(paths).sort()).toEqual(
      ['$.account', '$.detail.additionalEventData.SecretId', '$.detail.eventName', '$.region', '$.time'].sort(),
    );
    expect(transformer?.InputTemplate).toMatch(
      /Secrets Manager reported <detail-eventName> for secret <detail-additionalEventData-SecretId>/,
    );
    expect(transformer?.InputTemplate).toMatch(
      /Runbook: https:\/\/example\.com\/docs\/runbooks\.md#runbook-rotation-failed/,
    );
    // Nothing from the request or response of the event, where a value could ever travel.
    expect(JSON.stringify(transformer)).not.toMatch(/requestParameters|responseElements|SecretString|SecretBinary/);
  });

  test('lets publishers put only keyturn audit events, on this bus only', () => {
    // GIVEN
    const { stack } = newStack();
    const audit = new AuditTrail(stack, 'Audit');
    const role = new iam.Role(stack, 'Task', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    audit.grantPutEvents(role);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'events:PutEvents',
            Resource: { 'Fn::GetAtt': [stack.getLogicalId(audit.bus.node.defaultChild as events.CfnEventBus), 'Arn'] },
            Condition: { StringEquals: { 'events:source': AUDIT_EVENT_SOURCE } },
          },
        ],
      },
    });
  });

  test('takes a retention CloudWatch allows, archiving for as long unless told otherwise', () => {
    // GIVEN / WHEN
    const { stack } = newStack();
    const audit = new AuditTrail(stack, 'Audit', { retentionDays: 731 });
    new AuditTrail(stack, 'Short', { retentionDays: 30, archiveRetention: Duration.days(7), logGroupName: '/x/short' });

    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    t.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 731 });
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/x/short', RetentionInDays: 30 });
    t.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
    t.resourceCountIs('AWS::Events::Rule', 4); // no alert topic: no failure announcement rules
    expect(audit.retentionDays).toBe(731);
  });
});

describe('AuditTrail validation', () => {
  function construct(props: AuditTrailProps): () => AuditTrail {
    return () => new AuditTrail(newStack().stack, 'Audit', props);
  }

  test.each<[string, AuditTrailProps, RegExp]>([
    [
      'a retention CloudWatch Logs does not offer',
      { retentionDays: 100 },
      /audit log retention must be one of CloudWatch Logs' retention values in days \(1, 3, 5, .*, 3653\), got 100$/,
    ],
    ['an infinite retention', { retentionDays: RetentionDays.INFINITE }, /got 9999$/],
    [
      'an archive retention in hours',
      { archiveRetention: Duration.hours(36) },
      /archiveRetention must be a whole number of days, at least one, got 1 day 12 hours$/,
    ],
    [
      'a log group name with a space',
      { logGroupName: '/keyturn/audit log' },
      /logGroupName must be 1-512 characters of letters, digits and \. - _ \/ #, got "\/keyturn\/audit log"$/,
    ],
  ])('rejects %s, showing the bad value', (_case, props, message) => {
    // GIVEN bad props / WHEN constructing / THEN
    expect(construct(props)).toThrow(message);
  });

  test("offers exactly CloudWatch Logs' finite retention values", () => {
    // THEN
    const members: unknown[] = Object.values(RetentionDays);
    const infinite: unknown = RetentionDays.INFINITE;
    const finite = members.filter((v): v is number => typeof v === 'number' && v !== infinite);
    expect([...CLOUDWATCH_LOGS_RETENTION_DAYS].sort((a, b) => a - b)).toEqual(finite.sort((a, b) => a - b));
  });
});
