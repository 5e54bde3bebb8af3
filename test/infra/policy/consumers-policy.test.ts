import { consumerTagKey, ConsumerTag } from '../../../functions/shared/consumer-refresh';
import { readLifecycleSettings } from '../../../functions/tasks/settings';
import { lifecycleTimeoutFor } from '../../../infra/constructs/orchestration/lifecycle-orchestration';
import { effectiveGraceSeconds } from '../../../infra/policy/defaults';
import { parsePolicy } from '../../../infra/policy/load-policy';
import type { PolicyEntryInput, PolicyInput } from '../../../infra/policy/schema';
import { keyturnTags } from '../../../infra/policy/strategy-tags';
import { policyProblems, policyWith } from '../support/policy';

const owner = { team: 'platform' };
const apiKey = (consumers: NonNullable<PolicyEntryInput['consumers']>, extra: Partial<PolicyEntryInput> = {}) =>
  ({ id: 'api-key', kind: 'random', secret: { name: 'svc/api-key' }, owner, consumers, ...extra }) as PolicyEntryInput;

function problems(input: PolicyInput): string[] {
  return policyProblems(() => parsePolicy(input, 'test.policy.ts'));
}

function entryOf(input: PolicyEntryInput) {
  const [entry] = parsePolicy(policyWith([input]), 'test.policy.ts').entries;
  if (!entry) throw new Error('one entry');
  return entry;
}

describe('consumers in the policy', () => {
  it('travel as tags the lifecycle reads back: refresh targets first, the longest cache lifetime, the grace raised', () => {
    // GIVEN a 1 minute grace and consumers caching for the default 5 minutes and for 10
    const entry = entryOf(
      apiKey(
        [
          { name: 'checkout' },
          { name: 'orders api', ecsService: { cluster: 'orders', service: 'orders-api' } },
          { name: 'billing', lambdaFunction: 'billing-invoicer', cacheTtl: '10m' },
        ],
        { grace: '1m' },
      ),
    );

    // WHEN
    const tags = keyturnTags(entry);
    const settings = readLifecycleSettings(tags);

    // THEN
    expect(entry.consumerCacheSeconds).toBe(600);
    expect(tags[ConsumerTag.cacheSeconds]).toBe('600');
    expect([1, 2, 3, 4].map((i) => tags[consumerTagKey(i)])).toEqual([
      'ecs:orders/orders-api orders api',
      'lambda:billing-invoicer billing',
      'event checkout',
      undefined,
    ]);
    expect(settings.graceSeconds).toBe(600);
    expect(settings.consumers).toMatchObject({ refreshCount: 2, cacheSeconds: 600, declaredGraceSeconds: 60 });
    expect(effectiveGraceSeconds(entry)).toBe(600);
    // The execution's timeout covers the raised grace too.
    expect(lifecycleTimeoutFor([entry]).toSeconds()).toBe(600 + 7200);
  });

  it('leave a grace longer than every cache alone, and a secret without consumers untagged', () => {
    const withConsumer = keyturnTags(entryOf(apiKey([{ name: 'checkout' }])));
    expect(readLifecycleSettings(withConsumer)).toMatchObject({ graceSeconds: 86_400 });
    expect(readLifecycleSettings(withConsumer).consumers).not.toHaveProperty('declaredGraceSeconds');
    const without = keyturnTags(entryOf(apiKey([])));
    expect(Object.keys(without).filter((k) => k.startsWith('keyturn:consumer'))).toEqual([]);
    expect(readLifecycleSettings(without)).not.toHaveProperty('consumers');
  });

  it('are refused with a message per problem: two targets, a shared target, a bad name, a cache too long, too many', () => {
    const found = problems(
      policyWith([
        apiKey(
          [
            { name: 'a', ecsService: { cluster: 'other', service: 'api' }, lambdaFunction: 'fn' },
            { name: 'b', ecsService: { cluster: 'orders', service: 'api' } },
            { name: 'c', ecsService: { cluster: 'orders', service: 'api' } },
            { name: 'd', lambdaFunction: 'arn:aws:lambda:us-east-1:123456789012:function:fn' },
            { name: 'e', cacheTtl: '2d' },
          ],
          { schedule: { expression: 'rate(1 days)' } },
        ),
        {
          id: 'many',
          kind: 'random',
          secret: { name: 'svc/many' },
          owner,
          consumers: Array.from({ length: 11 }, (_, i) => ({ name: `c${i}`, lambdaFunction: `fn-${i}` })),
        },
      ]),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/consumers\.0\.lambdaFunction.*one refresh target per consumer/),
        expect.stringMatching(/consumers\.2.*refreshes the same ECS service as consumers\[1\]/),
        expect.stringMatching(/consumers\.3\.lambdaFunction.*must be a Lambda function name \(not an ARN\)/),
        expect.stringMatching(/consumers\.4\.cacheTtl.*at most 24h/),
        expect.stringMatching(/consumers\.4\.cacheTtl.*not shorter than the rotation interval/),
        expect.stringMatching(/at most 10 consumers may name an ecsService or a lambdaFunction.*got 11/),
      ]),
    );
  });

  it('keep existing policies valid: consumers with a name and a role only', () => {
    const entry = entryOf(
      apiKey([{ name: 'checkout', roleArn: 'arn:aws:iam::123456789012:role/checkout' }], { grace: '1m' }),
    );
    expect(effectiveGraceSeconds(entry)).toBe(300);
  });
});
