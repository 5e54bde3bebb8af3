import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { LambdaHandler } from '../stepfunctions/runner';
import type { LocalStack } from '../stack';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import type { SecretReport } from './report';
import { rotate, secretArn, value } from './secret-rotation';

const API_KEY = 'payments/stripe-webhook-key';

export function drillApiKey(stack: LocalStack): Promise<SecretReport> {
  return rotate(stack, {
    name: API_KEY,
    strategy: 'random',
    value: 'whk_initial_value_set_by_hand',
    tags: { 'keyturn:strategy': 'random', 'keyturn:prefix': 'whk_' },
    checks: (current, previous) =>
      Promise.resolve([
        {
          passed: current !== previous,
          text: 'AWSCURRENT holds a new value; the old one is AWSPREVIOUS for the grace window',
        },
        {
          passed: /^whk_[A-Za-z0-9]{40}$/.test(current),
          text: 'the new value follows the policy: prefix whk_ and 40 letters and digits',
        },
      ]),
  });
}

/** A suspected leak of the API key: no grace, no rollback, marked emergency in the audit trail. */
export async function drillApiKeyEmergency(
  stack: LocalStack,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport> {
  const leaked = await value(stack.client, API_KEY, 'AWSCURRENT');
  const leakedVersionId = (
    await stack.client.send(new GetSecretValueCommand({ SecretId: API_KEY, VersionStage: 'AWSCURRENT' }))
  ).VersionId as string;
  const report = await runExecution(
    stack,
    handlers,
    'emergency',
    `${API_KEY} (emergency: suspected leak)`,
    {
      secretArn: await secretArn(stack.client, API_KEY),
      trigger: 'emergency',
      reason: 'key pasted in a public channel (drill)',
    },
    async () => {
      const current = await value(stack.client, API_KEY, 'AWSCURRENT');
      const stages = (await stack.client.send(new DescribeSecretCommand({ SecretId: API_KEY }))).VersionIdsToStages;
      return [
        { passed: current !== leaked, text: 'AWSCURRENT no longer holds the leaked value' },
        {
          passed: stages?.[leakedVersionId] === undefined,
          text: 'no label is left on the leaked version (AWSPREVIOUS removed): current-or-previous readers drop it too',
        },
      ];
    },
  );
  const emergencyOnly = stack.eventBridge
    .events()
    .filter((e) => e.detail.trigger === 'emergency')
    .every((e) => e.detail.emergency === true);
  return {
    ...report,
    checks: [
      ...report.checks,
      { passed: !report.states.includes('Grace'), text: 'no grace window: revoked right after the new key verified' },
      { passed: emergencyOnly, text: 'every audit event of the run is marked emergency' },
    ],
  };
}
