import { definePolicy } from './define-policy';

/**
 * The example inventory `cdk synth` uses unless `-c policy=FILE` names another. Twenty-four
 * secrets of a small company: API keys and webhook secrets, and PostgreSQL users for three
 * services, some rotated in place, most alternating; and two KMS keys (docs/kms-keys.md).
 */
const payments = { team: 'payments', contact: 'payments-oncall@example.com' };
const platform = { team: 'platform', contact: 'platform-oncall@example.com' };
const data = { team: 'data', contact: 'data-oncall@example.com' };

export default definePolicy({
  version: 1,
  alerts: {
    routes: {
      platform: { emails: ['platform-oncall@example.com'] },
      payments: { emails: ['payments-oncall@example.com'] },
      data: {},
    },
    defaultRoute: 'platform',
  },
  networks: {
    'orders-vpc': {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-1a1b2c3d4e5f60718'],
    },
  },
  audit: { retentionDays: 400 },
  defaults: {
    random: { schedule: { expression: 'rate(60 days)', window: '4h' } },
  },
  entries: [
    // Third-party and internal API keys: keyturn creates them.
    {
      id: 'stripe-webhook-secret',
      kind: 'random',
      secret: { name: 'payments/stripe-webhook', create: true },
      owner: payments,
      alertRoute: 'payments',
      options: { prefix: 'whsec_', length: 48 },
    },
    {
      id: 'payments-api-key',
      kind: 'random',
      secret: { name: 'payments/api-key', create: true },
      owner: payments,
      alertRoute: 'payments',
      // billing's Lambda function caches the key for 10 minutes: the grace window is at least that long.
      consumers: [{ name: 'checkout' }, { name: 'billing', lambdaFunction: 'billing-invoicer', cacheTtl: '10m' }],
    },
    {
      id: 'partner-oauth-client',
      kind: 'random',
      secret: { name: 'payments/partner-oauth', create: true },
      owner: payments,
      alertRoute: 'payments',
      options: { fields: ['clientSecret'] },
    },
    {
      id: 'internal-jwt-signing',
      kind: 'random',
      secret: { name: 'platform/jwt-signing', create: true },
      owner: platform,
      grace: '48h',
      options: { length: 64, excludePunctuation: false, excludeCharacters: '"\'\\`' },
    },
    {
      id: 'metrics-ingest-token',
      kind: 'random',
      secret: { name: 'platform/metrics-ingest', create: true },
      owner: platform,
    },
    {
      id: 'search-api-key',
      kind: 'random',
      secret: { name: 'platform/search-api-key', create: true },
      owner: platform,
      schedule: { expression: 'cron(0 3 ? * MON *)', window: '3h' },
    },
    {
      id: 'email-provider-key',
      kind: 'random',
      secret: { name: 'platform/email-provider', create: true },
      owner: platform,
    },
    {
      id: 'feature-flags-sdk-key',
      kind: 'random',
      secret: { name: 'platform/feature-flags', create: true },
      owner: platform,
    },
    {
      id: 'warehouse-export-token',
      kind: 'random',
      secret: { name: 'data/export-token', create: true },
      owner: data,
      alertRoute: 'data',
    },
    {
      id: 'analytics-webhook-secret',
      kind: 'random',
      secret: { name: 'data/analytics-webhook', create: true },
      owner: data,
      alertRoute: 'data',
      tags: { 'cost-center': 'analytics' },
    },
    // Database master users, rotated in place (nothing else logs in with them).
    {
      id: 'orders-db-master',
      kind: 'postgres-single-user',
      secret: { name: 'orders/db/master' },
      owner: platform,
      options: { network: 'orders-vpc' },
    },
    {
      id: 'reports-db-master',
      kind: 'postgres-single-user',
      secret: { name: 'reports/db/master' },
      owner: data,
      alertRoute: 'data',
      options: { network: 'orders-vpc' },
    },
    // Application users: alternating, so clients on the previous user keep working.
    {
      id: 'orders-api-db',
      kind: 'postgres-alternating-users',
      secret: { name: 'orders/db/api' },
      owner: platform,
      // After each verified rotation: a new deployment of the ECS service (docs/consumers.md).
      consumers: [{ name: 'orders-api', ecsService: { cluster: 'orders', service: 'orders-api' } }],
      options: { network: 'orders-vpc', master: { entry: 'orders-db-master' } },
    },
    {
      id: 'orders-worker-db',
      kind: 'postgres-alternating-users',
      secret: { name: 'orders/db/worker' },
      owner: platform,
      options: { network: 'orders-vpc', master: { entry: 'orders-db-master' } },
    },
    {
      id: 'billing-db',
      kind: 'postgres-alternating-users',
      secret: { name: 'billing/db/app', create: true, description: 'billing service database user' },
      owner: payments,
      alertRoute: 'payments',
      options: {
        network: 'orders-vpc',
        master: { entry: 'orders-db-master' },
        connection: {
          host: 'orders.cluster-abc.eu-west-1.rds.amazonaws.com',
          username: 'billing_app',
          dbname: 'orders',
          ssl: true,
        },
      },
    },
    {
      id: 'reports-reader-db',
      kind: 'postgres-alternating-users',
      secret: { name: 'reports/db/reader' },
      owner: data,
      alertRoute: 'data',
      grace: '12h',
      options: { network: 'orders-vpc', master: { entry: 'reports-db-master' } },
    },
    {
      id: 'reports-etl-db',
      kind: 'postgres-alternating-users',
      secret: { name: 'reports/db/etl' },
      owner: data,
      alertRoute: 'data',
      revocation: { whenStillInUse: 'revoke', terminateSessions: true },
      options: { network: 'orders-vpc', master: { entry: 'reports-db-master' } },
    },
    {
      id: 'ledger-db',
      kind: 'postgres-single-user',
      secret: { name: 'payments/db/ledger' },
      owner: payments,
      alertRoute: 'payments',
      schedule: { expression: 'rate(14 days)', window: '2h' },
      options: { network: 'orders-vpc', password: { length: 40 } },
    },
    {
      id: 'support-tool-db',
      kind: 'postgres-alternating-users',
      secret: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:support/db/app-Ab12Cd' },
      owner: platform,
      options: { network: 'orders-vpc', master: { entry: 'orders-db-master' } },
    },
    // MySQL on RDS: the master secret names the instance, which the rotation function describes.
    {
      id: 'shop-db-master',
      kind: 'mysql-single-user',
      secret: { name: 'shop/db/master' },
      owner: platform,
      options: { network: 'orders-vpc', rds: { instance: 'shop-prod' } },
    },
    {
      id: 'shop-api-db',
      kind: 'mysql-alternating-users',
      secret: { name: 'shop/db/api' },
      owner: platform,
      consumers: [{ name: 'shop-api' }],
      options: { network: 'orders-vpc', rds: { instance: 'shop-prod' }, master: { entry: 'shop-db-master' } },
    },
    // A Redis (ElastiCache RBAC) user: one user, two passwords through the grace window.
    {
      id: 'sessions-cache',
      kind: 'redis-user',
      secret: { name: 'cache/sessions' },
      owner: platform,
      options: {
        network: 'orders-vpc',
        master: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cache/admin-Xy12Zw' },
      },
    },
    // An ElastiCache RBAC user: the ElastiCache API keeps its two passwords through the grace window.
    {
      id: 'checkout-cache',
      kind: 'elasticache-user',
      secret: { name: 'cache/checkout' },
      owner: payments,
      alertRoute: 'payments',
      options: { network: 'orders-vpc', userId: 'checkout-app' },
    },
    {
      id: 'legacy-admin-db',
      kind: 'postgres-single-user',
      secret: { name: 'legacy/db/admin' },
      owner: platform,
      schedule: { expression: 'rate(7 days)', window: '1h' },
    },
  ],
  keys: [
    // The orders service's data key: KMS rotates its material twice a year, keyturn on demand each quarter too.
    {
      kind: 'kms-key',
      id: 'orders-data-key',
      owner: platform,
      key: { create: { alias: 'alias/orders-data', description: 'orders service: envelope encryption of orders' } },
      automaticRotation: { periodDays: 180 },
      schedule: { expression: 'rate(90 days)', window: '2h' },
      // Its wrapped data keys follow each new material, at a twentieth of the account's KMS quota (docs/kms-rewrap.md).
      rewrap: [
        {
          table: 'orders-data-keys',
          key: { partition: 'orderId' },
          ciphertextAttribute: 'wrappedKey',
          encryptionContext: { orderId: 'orderId' },
          fraction: 0.05,
          segments: 2,
        },
      ],
    },
    // Webhook MACs: an HMAC key KMS cannot rotate, replaced behind its alias (the old key verifies through a week of grace).
    {
      kind: 'kms-key',
      id: 'webhook-mac-key',
      owner: payments,
      key: { create: { alias: 'alias/payments-webhook-mac', keySpec: 'HMAC_256' } },
      schedule: { expression: 'rate(180 days)', window: '4h' },
      settings: { grace: '7d', drainCheckEvery: '1h', drainChecks: 24, canaryWatch: '1d' },
      alertRoute: 'payments',
    },
  ],
});
