/** Where the CDK app (and `keyturn`) find the policy file: light constants, so the CLI need not load the CDK. */

/** The CDK context key naming the policy file (`cdk synth -c policy=path/to/my.policy.ts`). */
export const POLICY_CONTEXT_KEY = 'policy';

/** The policy synthesized when the context names none. */
export const DEFAULT_POLICY_FILE = 'infra/policy/example.policy.ts';
