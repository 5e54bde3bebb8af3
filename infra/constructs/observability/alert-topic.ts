import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ObservabilityValidationError } from './errors';

/** Where one kind of alert goes: a named route is one SNS topic. */
export interface AlertRouteOptions {
  /**
   * Email addresses subscribed to the route's topic. Each address receives a confirmation email from SNS and
   * gets nothing until it confirms.
   *
   * @default - no subscriptions (subscribe chat integrations or pagers to the topic yourself)
   */
  readonly emails?: readonly string[];
}

/** A named alert route, as the policy file lists them. */
export interface AlertRoute extends AlertRouteOptions {
  /**
   * The route's name: letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters.
   */
  readonly id: string;
}

/** Properties of an {@link AlertTopic}. */
export interface AlertTopicProps {
  /**
   * The named routes; one encrypted SNS topic is created for each. More can be added with {@link AlertTopic.addRoute}.
   */
  readonly routes: readonly AlertRoute[];

  /**
   * The route that takes alerts nobody routed elsewhere. Must be the id of one of `routes`.
   */
  readonly defaultRoute: string;

  /**
   * The customer managed key encrypting every route's topic. Its policy gets statements letting CloudWatch alarms
   * and EventBridge rules use it, so it must be a key this stack owns (an imported key's policy cannot be changed).
   *
   * @default - a new key, with automatic key rotation
   */
  readonly key?: kms.Key;

  /**
   * Prefix of each topic's display name, which email notifications show as the sender.
   *
   * @default 'keyturn'
   */
  readonly displayNamePrefix?: string;
}

const ROUTE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
// Deliberately loose: SNS sends a confirmation email anyway; this catches typos such as a missing @ or domain.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_DISPLAY_NAME = 100;

/**
 * keyturn's alert routes: one SNS topic per named route, all encrypted with one customer managed KMS key.
 *
 * - The key rotates automatically, and its policy lets `cloudwatch.amazonaws.com` (alarm actions) and
 *   `events.amazonaws.com` (EventBridge rule targets) use it: a service publishing to an encrypted topic needs
 *   `kms:GenerateDataKey*` and `kms:Decrypt` on the topic's key, or its messages are silently dropped.
 * - Every topic denies `sns:Publish` without TLS (`aws:SecureTransport`), and allows CloudWatch alarms of this
 *   account and region to publish (`aws:SourceAccount`, `aws:SourceArn`). A topic policy replaces SNS's default
 *   policy, so that publisher must be named. EventBridge rules are allowed per topic by the rule target itself
 *   (`targets.SnsTopic` adds the statement when a rule targets the topic).
 */
export class AlertTopic extends Construct {
  /** The key encrypting every route's topic. */
  public readonly key: kms.Key;

  /** The id of the route that takes alerts nobody routed elsewhere. */
  public readonly defaultRoute: string;

  private readonly topics = new Map<string, sns.Topic>();
  private readonly displayNamePrefix: string;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);

    this.displayNamePrefix = props.displayNamePrefix ?? 'keyturn';
    const routeIds = props.routes.map((route) => route.id);
    if (!routeIds.includes(props.defaultRoute)) {
      throw new ObservabilityValidationError(
        this,
        `defaultRoute must be the id of one of the routes (${routeIds.map((r) => `"${r}"`).join(', ') || 'none given'}), got "${props.defaultRoute}"`,
      );
    }
    this.defaultRoute = props.defaultRoute;

    this.key =
      props.key ??
      new kms.Key(this, 'Key', {
        description: 'keyturn: encrypts the alert topics (alarm and rotation-event notifications)',
        enableKeyRotation: true,
      });
    // The statements AWS documents for services publishing to an encrypted topic. They carry no condition: the
    // topic policies decide who may publish, and whether these services pass aws:SourceAccount on to KMS is not
    // documented, so a condition here could silently drop every alert.
    // No Sid: a rule target granting the same (targets.SnsTopic does) then renders as this one statement.
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    }

    for (const route of props.routes) this.addRoute(route.id, route);
  }

  /** The ids of every route, in the order they were added. */
  public get routeIds(): string[] {
    return [...this.topics.keys()];
  }

  /** The topic of the default route. */
  public get defaultTopic(): sns.ITopic {
    return this.topic(this.defaultRoute);
  }

  /**
   * Adds a named route: a new encrypted topic, with an email subscription per address.
   *
   * @returns the route's topic
   */
  public addRoute(id: string, options: AlertRouteOptions = {}): sns.ITopic {
    if (!ROUTE_ID_PATTERN.test(id)) {
      throw new ObservabilityValidationError(
        this,
        `route id must be 1-64 letters, digits, "-" or "_", starting with a letter or digit, got "${id}"`,
      );
    }
    if (this.topics.has(id)) {
      throw new ObservabilityValidationError(this, `route "${id}" is defined twice`);
    }
    const emails = options.emails ?? [];
    const seen = new Set<string>();
    for (const email of emails) {
      if (!EMAIL_PATTERN.test(email)) {
        throw new ObservabilityValidationError(this, `route "${id}": not an email address: "${email}"`);
      }
      if (seen.has(email.toLowerCase())) {
        throw new ObservabilityValidationError(this, `route "${id}": email "${email}" is listed twice`);
      }
      seen.add(email.toLowerCase());
    }

    const topic = new sns.Topic(this, `Route-${id}`, {
      displayName: `${this.displayNamePrefix} ${id}`.slice(0, MAX_DISPLAY_NAME),
      masterKey: this.key,
      enforceSSL: true,
    });
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccountPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              resourceName: '*',
            }),
          },
        },
      }),
    );
    emails.forEach((email) => {
      topic.addSubscription(new subs.EmailSubscription(email));
    });
    this.topics.set(id, topic);
    return topic;
  }

  /** Whether a route with this id exists. */
  public hasRoute(routeId: string): boolean {
    return this.topics.has(routeId);
  }

  /** The topic of route `routeId`; throws, listing the routes there are, if there is no such route. */
  public topic(routeId: string): sns.ITopic {
    const topic = this.topics.get(routeId);
    if (!topic) {
      throw new ObservabilityValidationError(
        this,
        `unknown alert route "${routeId}": the routes are ${this.routeIds.map((r) => `"${r}"`).join(', ')}`,
      );
    }
    return topic;
  }

  /**
   * Lets `grantee` publish to a route's topic: `sns:Publish` on that topic, and `kms:GenerateDataKey` and
   * `kms:Decrypt` on the key, which publishing to an encrypted topic needs (named exactly: no wildcard action).
   */
  public grantPublish(grantee: iam.IGrantable, routeId: string = this.defaultRoute): iam.Grant {
    const topic = this.topic(routeId);
    return iam.Grant.addToPrincipal({ grantee, actions: ['sns:Publish'], resourceArns: [topic.topicArn] }).combine(
      this.key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey'),
    );
  }
}
