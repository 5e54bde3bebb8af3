/** A minimal local CloudFormation: DescribeStacks over fixed stacks and their outputs. */
export {
  startLocalCloudFormation,
  LocalCloudFormation,
  type LocalCloudFormationOptions,
  type CloudFormationFaultControl,
} from './local-cloudformation';
export type { StackDefinition, StackOutput } from './stacks';
