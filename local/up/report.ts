import { renderSkipped } from '../drill/prerequisites';
import type { LocalAws } from './local-aws';

/** What `npm run local` prints once ready: for people (text) and for tools (one JSON line). */

/** The `--json` line: everything a test or a tool needs to talk to the local stack. */
export function readyJson(aws: LocalAws): string {
  return JSON.stringify({
    ready: true,
    region: aws.region,
    endpoints: Object.fromEntries(aws.endpoints.map(({ name, endpoint }) => [name, endpoint])),
    environment: aws.environment,
    stateMachines: aws.stateMachineArns,
    stack: 'Keyturn',
    demoSecrets: aws.demoSecrets,
    databases: aws.databases,
    skipped: aws.skipped.map((prerequisite) => ({ name: prerequisite.name, enable: prerequisite.enable })),
  });
}

export function readyText(aws: LocalAws, maxWaitMs: number): string {
  const sfn = aws.endpoints.find((e) => e.envVar === 'AWS_ENDPOINT_URL_SFN')?.endpoint ?? '';
  const lifecycle = aws.stateMachineArns['keyturn-lifecycle'] ?? '';
  const demo = aws.demoSecrets[0];
  const exports = Object.entries(aws.environment).map(([name, value]) => `  export ${name}=${value}`);
  return [
    'keyturn local AWS: running until Ctrl-C (SIGINT) or SIGTERM',
    '',
    'Endpoints:',
    ...aws.endpoints.map((e) => `  ${e.name.padEnd(16)} ${e.endpoint.padEnd(24)} ${e.envVar}`),
    ...Object.entries(aws.databases).map(([name, address]) => `  ${name.padEnd(16)} ${address} (throwaway server)`),
    '',
    'State machines (statemachines/*.asl.json; stack Keyturn has their ARNs as outputs):',
    ...Object.entries(aws.stateMachineArns).map(([name, arn]) => `  ${name.padEnd(18)} ${arn}`),
    `  Wait states pause at most ${maxWaitMs / 1000} s (--max-wait-seconds).`,
    '',
    'Demo secrets (keyturn-managed, rotation enabled, rotated once):',
    ...aws.demoSecrets.map((s) => `  ${s.name.padEnd(30)} ${s.strategy}${s.ready ? '' : ' (first rotation FAILED)'}`),
    ...(aws.skipped.length > 0 ? ['', ...renderSkipped(aws.skipped)] : []),
    '',
    'In another shell:',
    ...exports,
    `  aws --endpoint-url ${sfn} stepfunctions list-state-machines`,
    ...(demo
      ? [
          `  aws stepfunctions start-execution --state-machine-arn ${lifecycle} \\`,
          `    --input '{"secretArn":"${demo.arn}","trigger":"on-demand"}'`,
          `  npx keyturn rotate ${demo.name} --wait      # the same with keyturn's CLI (docs/cli.md)`,
          `  npx keyturn status ${demo.name}`,
          '  npx keyturn inventory',
        ]
      : []),
  ].join('\n');
}
