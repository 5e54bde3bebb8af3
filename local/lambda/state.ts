import { randomUUID } from 'node:crypto';
import type { EmulatorLocation } from '../http/loopback-emulator';
import { functionNotFound, invalidParameterValue, LambdaError } from './errors';

/** Lambda's limit on a function's environment variables, measured as their JSON. */
export const MAX_ENVIRONMENT_BYTES = 4 * 1024;
const VARIABLE_NAME = /^[a-zA-Z]\w+$/;

export interface LambdaFunctionRecord {
  readonly functionName: string;
  readonly functionArn: string;
  revisionId: string;
  variables: Record<string, string>;
  lastModified: Date;
  /** `Successful`, or `InProgress` for `updateDelayMs` after an update (another update is refused meanwhile). */
  lastUpdateStatus: 'Successful' | 'InProgress';
  /** How many times the configuration changed: each change retires the running execution environments. */
  configurationUpdates: number;
  /** Set (an error code) to make GetFunctionConfiguration report Environment.Error: the caller cannot decrypt. */
  environmentError?: string;
}

/** The local Lambda's functions (configuration only: nothing is invoked here). */
export class LambdaState {
  private readonly functions = new Map<string, LambdaFunctionRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly location: EmulatorLocation,
    public updateDelayMs: number,
    private readonly now: () => Date,
  ) {}

  create(functionName: string, variables: Record<string, string> = {}): LambdaFunctionRecord {
    const record: LambdaFunctionRecord = {
      functionName,
      functionArn: `arn:aws:lambda:${this.location.region}:${this.location.accountId}:function:${functionName}`,
      revisionId: randomUUID(),
      variables: { ...variables },
      lastModified: this.now(),
      lastUpdateStatus: 'Successful',
      configurationUpdates: 0,
    };
    this.functions.set(functionName, record);
    return record;
  }

  /** By name, ARN or partial ARN; qualified names (a version or alias) are not emulated. */
  get(nameOrArn: string): LambdaFunctionRecord {
    const name = nameOrArn.includes(':function:') ? (nameOrArn.split(':function:')[1] ?? '') : nameOrArn;
    const found = this.functions.get(name);
    if (!found) throw functionNotFound(nameOrArn);
    return found;
  }

  /** UpdateFunctionConfiguration (environment only), with RevisionId's optimistic concurrency. */
  updateEnvironment(nameOrArn: string, variables: Record<string, string> | undefined, revisionId?: string) {
    const record = this.get(nameOrArn);
    if (revisionId !== undefined && revisionId !== record.revisionId) {
      throw new LambdaError(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    if (record.lastUpdateStatus === 'InProgress') {
      throw new LambdaError(
        'ResourceConflictException',
        `The operation cannot be performed at this time. An update is in progress for resource: ${record.functionArn}`,
      );
    }
    if (variables !== undefined) {
      for (const name of Object.keys(variables)) {
        if (!VARIABLE_NAME.test(name)) throw invalidParameterValue(`Environment variable name ${name} is not valid.`);
      }
      // Lambda's own message quotes the measured variables; this one does not.
      if (Buffer.byteLength(JSON.stringify(variables)) > MAX_ENVIRONMENT_BYTES) {
        throw invalidParameterValue(
          'Lambda was unable to configure your environment variables because they exceed 4KB.',
        );
      }
      record.variables = { ...variables };
    }
    record.revisionId = randomUUID();
    record.lastModified = this.now();
    record.configurationUpdates += 1;
    if (this.updateDelayMs > 0) {
      record.lastUpdateStatus = 'InProgress';
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        record.lastUpdateStatus = 'Successful';
      }, this.updateDelayMs);
      this.timers.add(timer);
    }
    return record;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
