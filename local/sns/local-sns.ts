import type { Server } from 'node:http';
import { closeServer, endpointOf, listenOnLoopback } from '../http/listen';
import { SnsFaults, type SnsFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { createSnsServer } from './server';
import { SnsState, topicArn, type PublishedMessage, type ServiceLocation } from './state';

/**
 * The in-process API of the local SNS: start it, point an unmodified SNSClient at `endpoint`
 * (or AWS_ENDPOINT_URL_SNS), then read what was published to which topic and inject faults.
 */

export interface LocalSnsOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** The clock for topic creation and publish times. */
  readonly now?: () => Date;
}

export class LocalSns {
  /** Base URL for `new SNSClient({ endpoint })` or AWS_ENDPOINT_URL_SNS. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Fail the next N calls of an action with an SNS error code (default InternalError, HTTP 500). */
  readonly faults: SnsFaultControl;

  private stopping: Promise<void> | undefined;

  /** @internal use startLocalSns */
  constructor(
    private readonly server: Server,
    private readonly state: SnsState,
    faults: SnsFaults,
  ) {
    this.endpoint = endpointOf(server);
    this.region = state.location.region;
    this.accountId = state.location.accountId;
    this.faults = faults;
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

  stop(): Promise<void> {
    this.stopping ??= closeServer(this.server);
    return this.stopping;
  }
}

export async function startLocalSns(options: LocalSnsOptions = {}): Promise<LocalSns> {
  const location: ServiceLocation = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
  };
  const now = options.now ?? (() => new Date());
  const state = new SnsState(location, now);
  const faults = new SnsFaults();
  const server = createSnsServer(createOperationHandlers(state, now), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalSns(server, state, faults);
}
