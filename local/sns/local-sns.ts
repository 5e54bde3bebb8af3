import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { SnsFaults, type SnsFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { createSnsServer } from './server';
import { SnsState, topicArn, type PublishedMessage } from './state';

/**
 * The in-process API of the local SNS: start it, point an unmodified SNSClient at `endpoint`
 * (or AWS_ENDPOINT_URL_SNS), then read what was published to which topic and inject faults.
 */

export interface LocalSnsOptions extends LoopbackEmulatorOptions {
  /** The clock for topic creation and publish times. */
  readonly now?: () => Date;
}

/**
 * `endpoint`: for `new SNSClient({ endpoint })` or AWS_ENDPOINT_URL_SNS. `faults`: fail the next N
 * calls of an action with an SNS error code (default InternalError, HTTP 500).
 */
export class LocalSns extends LoopbackEmulator<SnsFaultControl> {
  /** @internal use startLocalSns */
  constructor(
    server: Server,
    private readonly state: SnsState,
    faults: SnsFaults,
  ) {
    super(server, state.location, faults);
  }

  /** Messages published, oldest first, optionally to one topic (by ARN). */
  messages(topicArnFilter?: string): PublishedMessage[] {
    return this.state.messages(topicArnFilter);
  }

  /** Forgets published messages; topics and planned faults stay. */
  clear(): void {
    this.state.clearMessages();
  }

  /**
   * Creates a topic without going through the API (a fixture: setup that should not cost an SDK
   * round trip). Idempotent like CreateTopic; returns the topic's ARN.
   */
  createTopic(name: string): string {
    return this.state.createTopic(name, {}, undefined).arn;
  }

  /** The ARN a topic of this name has (or would have) here. */
  topicArn(name: string): string {
    return topicArn(this.state.location, name);
  }
}

export async function startLocalSns(options: LocalSnsOptions = {}): Promise<LocalSns> {
  const location = emulatorLocation(options);
  const now = options.now ?? (() => new Date());
  const state = new SnsState(location, now);
  const faults = new SnsFaults();
  const server = createSnsServer(createOperationHandlers(state, now), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalSns(server, state, faults);
}
