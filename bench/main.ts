import { measureBundle } from './bundle';
import { measureChaos } from './chaos';
import { measureEngineRotations } from './engine-rotations';
import { measureFleet } from './fleet';
import { measureHttpKeyRotations } from './http-key-rotations';
import { measureIamKeyRotations } from './iam-key-rotations';
import { measureKmsRewrap } from './kms-rewrap';
import { measureKmsRotations } from './kms-rotations';
import { measureSynth } from './synth';

/**
 * `npm run bench`: numbers, not pass/fail. Progress goes to stderr; the last line of
 * stdout is one JSON object with every figure (later benchmarks add their keys).
 */
async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const results: Record<string, number> = {};
  console.error('bench: rotations per engine (PostgreSQL, MariaDB single-user and alternating, Redis)…');
  Object.assign(results, await measureEngineRotations());
  console.error('bench: http-api-key rotations against the local SendGrid…');
  Object.assign(results, await measureHttpKeyRotations());
  console.error('bench: iam-access-key rotations against the local IAM and STS…');
  Object.assign(results, await measureIamKeyRotations());
  console.error(
    'bench: KMS re-wrap of 1,000 wrapped data keys in the local DynamoDB (local KMS), an application writing meanwhile…',
  );
  Object.assign(results, await measureKmsRewrap());
  console.error('bench: KMS key rotations on demand through the kms-key state machine…');
  Object.assign(results, await measureKmsRotations());
  console.error('bench: fleet of 1,000 rotations against the write quota, and the cost of one rotation…');
  Object.assign(results, await measureFleet());
  console.error('bench: bundle size and cold module init…');
  Object.assign(results, await measureBundle());
  console.error('bench: cdk synth of the example policy and of 500 generated entries…');
  Object.assign(results, await measureSynth());
  console.error('bench: the chaos suite, 1,000 seeded scenarios (seed "bench")…');
  Object.assign(results, await measureChaos());
  console.log(JSON.stringify(results));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
