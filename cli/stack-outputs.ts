import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CliError, isAwsError } from './output/errors';

/** The core stack's name when neither --stack nor KEYTURN_STACK names another (infra/keyturn-app.ts). */
export const DEFAULT_STACK_NAME = 'Keyturn';

/** The environment variable naming the stack, for a shell that always works with one deployment. */
export const STACK_ENV = 'KEYTURN_STACK';

/** The outputs of keyturn's core stack the CLI reads (infra/stacks/keyturn-stack.ts). */
export const StackOutput = {
  Lifecycle: 'LifecycleStateMachineArn',
  Emergency: 'EmergencyStateMachineArn',
  Fleet: 'FleetStateMachineArn',
  AuditLogGroup: 'AuditLogGroupName',
} as const;
export type StackOutputName = (typeof StackOutput)[keyof typeof StackOutput];

/** One stack's outputs by key. */
export class StackOutputs {
  constructor(
    readonly stackName: string,
    private readonly values: ReadonlyMap<string, string>,
  ) {}

  /** The output's value; a missing one is an error that says how to fix it. */
  require(name: StackOutputName): string {
    const value = this.values.get(name);
    if (value === undefined)
      throw new CliError(`stack ${this.stackName} has no output ${name}: deploy keyturn or pass --stack`);
    return value;
  }

  optional(name: StackOutputName): string | undefined {
    return this.values.get(name);
  }
}

/** Reads a stack's outputs with DescribeStacks. */
export async function readStackOutputs(client: CloudFormationClient, stackName: string): Promise<StackOutputs> {
  let stacks;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist".
    if (isAwsError(error, 'ValidationError') && /does not exist/.test((error as Error).message))
      throw new CliError(`stack ${stackName} not found: deploy keyturn, or pass --stack (or set ${STACK_ENV})`);
    throw error;
  }
  const outputs = stacks?.[0]?.Outputs ?? [];
  const values = new Map<string, string>();
  for (const output of outputs)
    if (output.OutputKey !== undefined && output.OutputValue !== undefined)
      values.set(output.OutputKey, output.OutputValue);
  return new StackOutputs(stackName, values);
}

/** --stack, else KEYTURN_STACK, else Keyturn. */
export function stackNameFrom(option: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return option ?? (env[STACK_ENV] || DEFAULT_STACK_NAME);
}

/**
 * Outputs read once per command, on first use (so `--dry-run` of a command that needs none never calls
 * CloudFormation).
 */
export function lazyStackOutputs(client: () => CloudFormationClient, stackName: string): () => Promise<StackOutputs> {
  let outputs: Promise<StackOutputs> | undefined;
  return () => (outputs ??= readStackOutputs(client(), stackName));
}
