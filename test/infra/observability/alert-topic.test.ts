import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AlertTopic, type AlertTopicProps } from '../../../infra/constructs/observability';
import { newStack, render, resourcesOfType } from './support';

interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Principal: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function topicPolicyStatements(template: Template, topicLogicalId: string): PolicyStatementJson[] {
  const policies = Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy')).filter(
    (p) => render((p.Properties.Topics as unknown[])[0]) === `\${${topicLogicalId}}`,
  );
  expect(policies).toHaveLength(1);
  return (policies[0]?.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;
}

describe('AlertTopic', () => {
  let template: Template;
  let alerts: AlertTopic;

  beforeAll(() => {
    // GIVEN two named routes, one with two addresses, one added later without any
    const { stack } = newStack();
    alerts = new AlertTopic(stack, 'Alerts', {
      routes: [
        { id: 'platform', emails: ['oncall@example.com', 'lead@example.com'] },
        { id: 'security', emails: ['sec@example.com'] },
      ],
      defaultRoute: 'platform',
    });
    alerts.addRoute('chatops');

    // WHEN synthesized
    template = Template.fromStack(stack);
  });

  test('creates one topic per route, each encrypted with the one customer managed key', () => {
    // THEN
    template.resourceCountIs('AWS::SNS::Topic', 3);
    template.resourceCountIs('AWS::KMS::Key', 1);
    const keyId = Object.keys(resourcesOfType(template, 'AWS::KMS::Key'))[0];
    for (const topic of Object.values(resourcesOfType(template, 'AWS::SNS::Topic'))) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    expect(alerts.routeIds).toEqual(['platform', 'security', 'chatops']);
    expect(alerts.defaultTopic).toBe(alerts.topic('platform'));
  });

  test('rotates the key automatically', () => {
    // THEN
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('lets CloudWatch alarms and EventBridge rules use the key to publish to encrypted topics', () => {
    // THEN
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
            Resource: '*',
          }),
        ]),
      },
    });
  });

  test('denies publishing without TLS on every topic', () => {
    // THEN
    for (const topicId of Object.keys(resourcesOfType(template, 'AWS::SNS::Topic'))) {
      expect(topicPolicyStatements(template, topicId)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sns:Publish',
          Principal: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  test('lets only CloudWatch alarms of this account and region publish', () => {
    // THEN
    for (const topicId of Object.keys(resourcesOfType(template, 'AWS::SNS::Topic'))) {
      const statement = topicPolicyStatements(template, topicId).find(
        (s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'),
      );
      expect(statement?.Action).toBe('sns:Publish');
      expect(render(statement?.Condition?.StringEquals?.['aws:SourceAccount'])).toBe('${AWS::AccountId}');
      expect(render(statement?.Condition?.ArnLike?.['aws:SourceArn'])).toBe(
        'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*',
      );
    }
  });

  test('subscribes each address to its own route only', () => {
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    const topics = resourcesOfType(template, 'AWS::SNS::Topic');
    const routeOf = (topicRef: unknown): string | undefined =>
      render((topics[render(topicRef).slice(2, -1)]?.Properties ?? {}).DisplayName);
    const subscriptions = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription')).map((s) => [
      routeOf(s.Properties.TopicArn),
      s.Properties.Protocol,
      s.Properties.Endpoint,
    ]);
    expect(subscriptions.sort()).toEqual(
      [
        ['keyturn platform', 'email', 'lead@example.com'],
        ['keyturn platform', 'email', 'oncall@example.com'],
        ['keyturn security', 'email', 'sec@example.com'],
      ].sort(),
    );
  });

  test('grants publishing to a route: sns:Publish on its topic and the key actions encryption needs', () => {
    // GIVEN
    const { stack } = newStack();
    const routes = new AlertTopic(stack, 'Alerts', { routes: [{ id: 'platform' }], defaultRoute: 'platform' });
    const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    routes.grantPublish(role);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Effect: 'Allow' }),
          Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow' }),
        ]),
      },
    });
  });
});

describe('AlertTopic validation', () => {
  function construct(props: AlertTopicProps): () => AlertTopic {
    return () => new AlertTopic(newStack().stack, 'Alerts', props);
  }

  test.each<[string, AlertTopicProps, RegExp]>([
    [
      'a default route that is not a route',
      { routes: [{ id: 'platform' }, { id: 'security' }], defaultRoute: 'pager' },
      /defaultRoute must be the id of one of the routes \("platform", "security"\), got "pager"$/,
    ],
    ['no routes at all', { routes: [], defaultRoute: 'platform' }, /\(none given\), got "platform"$/],
    [
      'a route id with a space',
      { routes: [{ id: 'on call' }], defaultRoute: 'on call' },
      /route id must be 1-64 letters, digits, "-" or "_", starting with a letter or digit, got "on call"$/,
    ],
    [
      'a route defined twice',
      { routes: [{ id: 'platform' }, { id: 'platform' }], defaultRoute: 'platform' },
      /route "platform" is defined twice$/,
    ],
    [
      'an address without a domain',
      { routes: [{ id: 'platform', emails: ['oncall@'] }], defaultRoute: 'platform' },
      /route "platform": not an email address: "oncall@"$/,
    ],
    [
      'an address listed twice',
      { routes: [{ id: 'platform', emails: ['a@example.com', 'A@example.com'] }], defaultRoute: 'platform' },
      /route "platform": email "A@example.com" is listed twice$/,
    ],
  ])('rejects %s, showing the bad value', (_case, props, message) => {
    // GIVEN bad props / WHEN constructing / THEN
    expect(construct(props)).toThrow(message);
  });

  test('names the routes there are when asked for an unknown one', () => {
    // GIVEN
    const alerts = construct({ routes: [{ id: 'platform' }, { id: 'security' }], defaultRoute: 'platform' })();

    // WHEN / THEN
    expect(() => alerts.topic('pager')).toThrow(/unknown alert route "pager": the routes are "platform", "security"$/);
  });
});
