import { createHash } from 'node:crypto';
import { App, Validations, type AppProps, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ResolvedPolicy } from './policy/defaults';
import { loadPolicy } from './policy/load-policy';
import { DEFAULT_POLICY_FILE, POLICY_CONTEXT_KEY } from './policy/policy-file';
import { KeyturnStack, type KeyturnStackProps } from './stacks/keyturn-stack';
import { type LayoutOptions, planSecretsStacks, type SecretsStackPlan, STACK_PREFIX } from './stacks/layout';
import { KeyturnSecretsStack, type SecretsRotationFunctionProps } from './stacks/secrets-stack';

/** Name of keyturn's core stack. */
export const KEYTURN_STACK_NAME = 'Keyturn';

export { DEFAULT_POLICY_FILE, POLICY_CONTEXT_KEY } from './policy/policy-file';

/** Options of {@link createKeyturnApp}. */
export interface KeyturnAppOptions {
  /** @default - an App reading context and output directory from the CDK CLI */
  readonly appProps?: AppProps;

  /**
   * The policy to deploy.
   *
   * @default - loaded from the file named by the `policy` context value, else {@link DEFAULT_POLICY_FILE}
   */
  readonly policy?: ResolvedPolicy;

  /** @default - environment-agnostic stacks */
  readonly stackProps?: StackProps;

  /** @default - the RotationFunction defaults, each function bundling its own code */
  readonly rotationFunction?: SecretsRotationFunctionProps;

  /** @default - the layout.ts defaults */
  readonly layout?: LayoutOptions;

  /** @default - the start of the current UTC day */
  readonly scheduleReferenceDate?: Date;

  /** @default - the KeyturnStack defaults (definitions from `statemachines/`, functions bundled) */
  readonly orchestration?: KeyturnStackProps['orchestration'];
}

/** The keyturn app and its stacks. */
export interface KeyturnApp {
  readonly app: App;
  /** The core stack (keys, queue, schedule group, orchestration, observability). */
  readonly stack: KeyturnStack;
  /** One stack per group of entries. */
  readonly secretsStacks: readonly KeyturnSecretsStack[];
  /** How the entries were grouped. */
  readonly plan: readonly SecretsStackPlan[];
  readonly policy: ResolvedPolicy;
}

/**
 * Builds the keyturn CDK app from a policy: the core stack and the secrets stacks, checked at synthesis by
 * cdk-nag's AWS Solutions rules. Any unacknowledged finding fails the synthesis; acknowledgements sit next to
 * the construct they excuse. An invalid policy file throws `PolicyError`, naming the entry and the field.
 */
export function createKeyturnApp(options: KeyturnAppOptions = {}): KeyturnApp {
  const app = new App(options.appProps);
  const policy = options.policy ?? loadPolicy(policyFile(app));
  const plan = planSecretsStacks(policy, options.layout);
  const functionNames = new Map(plan.map((p) => [p.id, rotationFunctionName(p.id)]));

  const stack = new KeyturnStack(app, KEYTURN_STACK_NAME, {
    ...options.stackProps,
    policy,
    rotationFunctionNames: [...functionNames.values()],
    orchestration: options.orchestration,
  });
  const secretsStacks = plan.map((group) => {
    const network = group.networkId === undefined ? undefined : policy.networks[group.networkId];
    return new KeyturnSecretsStack(app, group.id, {
      ...options.stackProps,
      core: stack,
      policy,
      entries: group.entries,
      network: network && group.networkId !== undefined ? { id: group.networkId, ...network } : undefined,
      rotationFunctionName: functionNames.get(group.id),
      rotationFunction: options.rotationFunction,
      scheduleReferenceDate: options.scheduleReferenceDate,
    });
  });

  // writeSuppressionsToCloudFormation: every acknowledgement is also written into the template
  // (Metadata.cdk_nag), so the audit trail travels with what gets deployed.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  return { app, stack, secretsStacks, plan, policy };
}

/** The policy file the app's context names. */
export function policyFile(app: App): string {
  const value: unknown = app.node.tryGetContext(POLICY_CONTEXT_KEY);
  if (value === undefined) return DEFAULT_POLICY_FILE;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`context "${POLICY_CONTEXT_KEY}" must name a policy file, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * `Keyturn-rotate-1`, `Keyturn-rotate-orders-vpc-1`: readable, and unique per stack. Lambda allows 64
 * characters; a longer name keeps its start and gets a hash of the whole.
 */
function rotationFunctionName(stackId: string): string {
  const name = `${KEYTURN_STACK_NAME}-rotate-${stackId.slice(STACK_PREFIX.length + 1)}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 55)}-${hash}`;
}
