import { randomUUID } from 'node:crypto';
import { element } from '../http/query-xml';

/** The stacks the local CloudFormation describes: fixed at start, as a deployed app's outputs are. */

export interface StackOutput {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
}

export interface StackDefinition {
  readonly name: string;
  readonly description?: string;
  readonly outputs: readonly StackOutput[];
}

export interface DescribedStack extends StackDefinition {
  /** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`: DescribeStacks takes it as StackName too. */
  readonly stackId: string;
  readonly creationTime: Date;
}

export function describedStack(
  stack: StackDefinition,
  location: { region: string; accountId: string },
  now: Date,
): DescribedStack {
  return {
    ...stack,
    stackId: `arn:aws:cloudformation:${location.region}:${location.accountId}:stack/${stack.name}/${randomUUID()}`,
    creationTime: now,
  };
}

/** One `<member>` of DescribeStacksResult's Stacks. */
export function stackXml(stack: DescribedStack): string {
  const outputs = stack.outputs
    .map(
      (output) =>
        `<member>${element('OutputKey', output.key)}${element('OutputValue', output.value)}` +
        (output.description === undefined ? '' : element('Description', output.description)) +
        '</member>',
    )
    .join('');
  return (
    `<member>${element('StackId', stack.stackId)}${element('StackName', stack.name)}` +
    (stack.description === undefined ? '' : element('Description', stack.description)) +
    element('CreationTime', stack.creationTime.toISOString()) +
    element('StackStatus', 'CREATE_COMPLETE') +
    `<DisableRollback>false</DisableRollback><Outputs>${outputs}</Outputs><Tags/></member>`
  );
}
