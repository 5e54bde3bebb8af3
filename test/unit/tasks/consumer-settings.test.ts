import {
  consumerTagKey,
  ConsumerTag,
  lambdaVersionVariable,
  parseConsumerTag,
} from '../../../functions/shared/consumer-refresh';
import { LifecycleTag } from '../../../functions/shared/lifecycle-contract';
import { planDryRun } from '../../../functions/tasks/dry-run-plan';
import { parsePlanInput } from '../../../functions/tasks/input';
import { readLifecycleSettings } from '../../../functions/tasks/settings';
import { testRun } from '../../support/rotation-run';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db/api-AbCdEf';

describe('consumer tags', () => {
  it('parse targets and names (names may hold spaces), and refuse what the policy would have refused', () => {
    expect(parseConsumerTag('ecs:orders/orders-api orders api')).toEqual({
      name: 'orders api',
      target: { kind: 'ecs-service', cluster: 'orders', service: 'orders-api' },
    });
    expect(parseConsumerTag('lambda:billing-invoicer billing')).toEqual({
      name: 'billing',
      target: { kind: 'lambda-function', functionName: 'billing-invoicer' },
    });
    expect(parseConsumerTag('event checkout')).toEqual({ name: 'checkout', target: { kind: 'event' } });
    expect(parseConsumerTag('ecs:orders checkout')).toMatch(/must start with/);
    expect(parseConsumerTag('lambda:arn:aws:lambda:x checkout')).toMatch(/invalid Lambda function name/);
    expect(parseConsumerTag('event')).toMatch(/<target> <consumer name>/);
  });

  it('a bad consumer tag stops pre-flight with the tag named, before anything changes', () => {
    expect(() => readLifecycleSettings({ [consumerTagKey(2)]: 'sqs:queue orders' })).toThrow(
      /tag keyturn:consumer-2 must start with event/,
    );
  });

  it("name one environment variable per secret, as Lambda's variable names allow", () => {
    expect(lambdaVersionVariable(ARN)).toBe('KEYTURN_SECRET_VERSION_ORDERS_DB_API_ABCDEF');
    expect(lambdaVersionVariable(ARN)).toMatch(/^[a-zA-Z]\w+$/);
  });
});

describe('a dry run with consumers', () => {
  it('shows the event, the refreshes and the grace raised to the longest cache lifetime', () => {
    const settings = readLifecycleSettings({
      [LifecycleTag.graceSeconds]: '60',
      [ConsumerTag.cacheSeconds]: '600',
      [consumerTagKey(1)]: 'ecs:orders/orders-api orders-api',
      [consumerTagKey(2)]: 'event reporting',
    });
    // Through the plan task's own input parsing, as the state machine hands pre-flight's settings over.
    const input = parsePlanInput({
      rotation: testRun({ dryRun: true }),
      preflight: {
        secretArn: ARN,
        strategy: 'random',
        currentVersionId: '0f8e7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
        currentCredentialAuthenticates: true,
        settings,
      },
    });

    const steps = planDryRun(input).steps;

    expect(steps).toEqual(
      expect.arrayContaining([
        'notify: a SecretRotated event on the audit bus naming orders-api, reporting',
        'refresh consumers: orders-api (ecs:orders/orders-api); a failed refresh alerts, never rolls back',
        "grace 600 s: both credentials work (raised from 60 s to the consumers' longest cache lifetime, 600 s)",
      ]),
    );
  });
});
