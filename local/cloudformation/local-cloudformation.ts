import type { Server } from 'node:http';
import { AwsQueryError, COMMON_QUERY_ERROR_STATUS, createAwsQueryServer } from '../http/aws-query-server';
import { assertFaultName, FaultPlan } from '../http/fault-plan';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import type { QueryParams } from '../http/query-params';
import { describedStack, stackXml, type DescribedStack, type StackDefinition } from './stacks';

/**
 * A minimal local CloudFormation: DescribeStacks (awsQuery, 2010-05-15) over stacks given at start,
 * so that tools find a deployed app's outputs (state machine ARNs) as they do in an account. Point an
 * unmodified CloudFormationClient at `endpoint`, or set AWS_ENDPOINT_URL_CLOUDFORMATION.
 */

const XML_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const MAX_BODY_BYTES = 64 * 1024;
type OperationName = 'DescribeStacks';

export interface CloudFormationFaultControl {
  /** The next `count` DescribeStacks calls fail with `code` (default Throttling). */
  failNext(count?: number, code?: string): void;
  clear(): void;
}

class CloudFormationFaults implements CloudFormationFaultControl {
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(count = 1, code = 'Throttling'): void {
    assertFaultName(code, 'Throttling');
    this.plan.add('DescribeStacks', count, code);
  }

  clear(): void {
    this.plan.clear();
  }

  take(): AwsQueryError | undefined {
    const code = this.plan.take('DescribeStacks');
    return code === undefined ? undefined : queryError(code, `Injected fault: DescribeStacks failed with ${code}.`);
  }
}

function queryError(code: string, message: string): AwsQueryError {
  return new AwsQueryError(code, message, COMMON_QUERY_ERROR_STATUS[code] ?? 400);
}

export interface LocalCloudFormationOptions extends LoopbackEmulatorOptions {
  readonly stacks: readonly StackDefinition[];
}

export class LocalCloudFormation extends LoopbackEmulator<CloudFormationFaultControl> {
  /** @internal use startLocalCloudFormation */
  constructor(
    server: Server,
    location: { region: string; accountId: string },
    faults: CloudFormationFaults,
    readonly stacks: readonly DescribedStack[],
  ) {
    super(server, location, faults);
  }
}

export async function startLocalCloudFormation(options: LocalCloudFormationOptions): Promise<LocalCloudFormation> {
  const location = emulatorLocation(options);
  const now = new Date();
  const stacks = options.stacks.map((stack) => describedStack(stack, location, now));
  const faults = new CloudFormationFaults();
  const describeStacks = (params: QueryParams): string => {
    const wanted = params.get('StackName');
    const found =
      wanted === undefined ? stacks : stacks.filter((stack) => stack.name === wanted || stack.stackId === wanted);
    // AWS's answer for a name or id it does not know (HTTP 400, Sender).
    if (found.length === 0) throw queryError('ValidationError', `Stack with id ${wanted ?? ''} does not exist`);
    return `<Stacks>${found.map(stackXml).join('')}</Stacks>`;
  };
  const server = createAwsQueryServer<OperationName>({
    apiVersion: '2010-05-15',
    serviceId: 'AmazonCloudFormation',
    displayName: 'CloudFormation',
    xmlNamespace: XML_NAMESPACE,
    maxBodyBytes: MAX_BODY_BYTES,
    handlers: { DescribeStacks: describeStacks },
    isOperationName: (action): action is OperationName => action === 'DescribeStacks',
    takeFault: () => faults.take(),
    error: queryError,
    internalError: () => queryError('InternalFailure', 'An internal error occurred in the local CloudFormation.'),
    bodyTooLarge: () => queryError('MalformedQueryString', 'The request is too large.'),
  });
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalCloudFormation(server, location, faults, stacks);
}
