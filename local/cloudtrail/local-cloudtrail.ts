import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import type { AcceptedCall, AcceptedCallListener } from '../iam/accepted-calls';
import type { KmsCall, KmsCallListener } from '../kms/answered-calls';
import { createCloudTrailControlHandler } from './control';
import { isReadOnlyAction, type EventResource, type LocalCloudTrailEvent } from './events';
import { CloudTrailFaults, type CloudTrailFaultControl } from './faults';
import { eventOfAcceptedCall } from './iam-feed';
import { eventOfKmsCall } from './kms-feed';
import { createOperationHandlers } from './operations';
import { createCloudTrailServer } from './server';
import { CloudTrailState } from './state';
import { checkedRate, DEFAULT_LOOKUP_EVENTS_PER_SECOND, RequestRate } from './throttle';

/**
 * The in-process API of the local CloudTrail: the event history (LookupEvents) of one account
 * in one Region. Start it, feed it the calls the local IAM/STS accepts (`follow(iam)`) and the
 * calls the local KMS answers (`followKms(kms)`), and point an unmodified CloudTrailClient at
 * `endpoint` (or AWS_ENDPOINT_URL_CLOUDTRAIL).
 */

export interface LocalCloudTrailOptions extends LoopbackEmulatorOptions {
  /** The Region whose event history this is. @default 'us-east-1' */
  readonly region?: string;
  /** The account whose event history this is. @default '123456789012' */
  readonly accountId?: string;
  /** The clock for the 90-day window, delivery and the request rate. */
  readonly now?: () => Date;
  /** How long after its time an event starts to show in LookupEvents (AWS: minutes). @default 0 */
  readonly deliveryDelayMs?: number;
  /** LookupEvents calls allowed per second (AWS: 2); 0 or Infinity turn throttling off. @default 2 */
  readonly lookupEventsPerSecond?: number;
}

/** What tells of accepted calls: a LocalIam (`subscribe`). */
export interface AcceptedCallSource {
  subscribe(listener: AcceptedCallListener): () => void;
}

/** What tells of answered KMS calls: a LocalKms (`subscribe`). */
export interface KmsCallSource {
  subscribe(listener: KmsCallListener): () => void;
}

/** An event recorded by hand, in this account and Region (a fixture: a call made elsewhere). */
export interface CloudTrailEventFixture {
  readonly eventName: string;
  /** e.g. `ec2.amazonaws.com` */
  readonly eventSource: string;
  /** @default now */
  readonly time?: Date;
  readonly accessKeyId?: string;
  readonly username?: string;
  readonly userAgent?: string;
  /** @default true for Get*, List* and Describe* */
  readonly readOnly?: boolean;
  readonly resources?: readonly EventResource[];
  /** A refused call's exception, e.g. `AccessDenied`. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** @default an IAMUser of this account with the access key id and user name given */
  readonly userIdentity?: Readonly<Record<string, unknown>>;
}

export interface LocalCloudTrailEventFilter {
  readonly accessKeyId?: string;
  readonly eventName?: string;
  readonly eventSource?: string;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * `endpoint`: for `new CloudTrailClient({ endpoint })` or AWS_ENDPOINT_URL_CLOUDTRAIL. `faults`:
 * fail the next N LookupEvents calls with a named exception.
 */
export class LocalCloudTrail extends LoopbackEmulator<CloudTrailFaultControl> {
  /**
   * Records a call the local IAM/STS accepted, if it belongs to this account and Region (IAM
   * calls belong to us-east-1); a listener for `LocalIam.subscribe`. Returns the event, if recorded.
   */
  readonly recordCall: (call: AcceptedCall) => LocalCloudTrailEvent | undefined;
  /**
   * Records a call the local KMS answered (accepted or refused), if it belongs to this account and
   * Region; a listener for `LocalKms.subscribe`. Returns the event, if recorded.
   */
  readonly recordKmsCall: (call: KmsCall) => LocalCloudTrailEvent | undefined;

  private readonly unsubscribes: (() => void)[] = [];

  /** @internal use startLocalCloudTrail */
  constructor(
    server: Server,
    private readonly state: CloudTrailState,
    private readonly rate: RequestRate,
    private readonly now: () => Date,
    faults: CloudTrailFaults,
  ) {
    super(server, state.location, faults);
    this.recordCall = (call) => this.state.record(eventOfAcceptedCall(call));
    this.recordKmsCall = (call) => this.state.record(eventOfKmsCall(call));
  }

  /** Records every call `source` (a LocalIam) accepts from now on, until the returned function or stop() is called. */
  follow(source: AcceptedCallSource): () => void {
    const unsubscribe = source.subscribe(this.recordCall);
    this.unsubscribes.push(unsubscribe);
    return unsubscribe;
  }

  /** Records every call `source` (a LocalKms) answers from now on, until the returned function or stop() is called. */
  followKms(source: KmsCallSource): () => void {
    const unsubscribe = source.subscribe(this.recordKmsCall);
    this.unsubscribes.push(unsubscribe);
    return unsubscribe;
  }

  /** Records an event without an API call behind it (a fixture), in this account and Region. */
  recordEvent(fixture: CloudTrailEventFixture): LocalCloudTrailEvent {
    const userIdentity = fixture.userIdentity ?? {
      type: 'IAMUser',
      accountId: this.accountId,
      ...(fixture.accessKeyId === undefined ? {} : { accessKeyId: fixture.accessKeyId }),
      ...(fixture.username === undefined ? {} : { userName: fixture.username }),
    };
    const event = this.state.record({
      eventName: fixture.eventName,
      eventSource: fixture.eventSource,
      time: fixture.time ?? this.now(),
      awsRegion: this.region,
      recipientAccountId: this.accountId,
      readOnly: fixture.readOnly ?? isReadOnlyAction(fixture.eventName),
      userIdentity,
      ...(fixture.accessKeyId === undefined ? {} : { accessKeyId: fixture.accessKeyId }),
      ...(fixture.username === undefined ? {} : { username: fixture.username }),
      ...(fixture.userAgent === undefined ? {} : { userAgent: fixture.userAgent }),
      ...(fixture.resources === undefined ? {} : { resources: fixture.resources }),
      ...(fixture.errorCode === undefined ? {} : { errorCode: fixture.errorCode }),
      ...(fixture.errorMessage === undefined ? {} : { errorMessage: fixture.errorMessage }),
    });
    if (!event) throw new Error('an event of this account and Region was not recorded');
    return event;
  }

  /** Every event held (the last 90 days), delivered or not, newest first. */
  events(filter: LocalCloudTrailEventFilter = {}): LocalCloudTrailEvent[] {
    return eventsOf(this.state, filter);
  }

  /** How long after its time an event recorded from now on starts to show in LookupEvents. */
  setDeliveryDelay(ms: number): void {
    this.state.deliveryDelayMs = checkedDelay(ms);
  }

  get deliveryDelayMs(): number {
    return this.state.deliveryDelayMs;
  }

  /** LookupEvents calls allowed per second from now on (0 or Infinity: no throttling). */
  setLookupEventsRate(perSecond: number): void {
    this.rate.setRate(perSecond);
  }

  /** Forgets every event; faults, delay and rate stay. */
  clear(): void {
    this.state.clear();
  }

  /** Also stops following its sources, on every call. */
  override stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    return super.stop();
  }
}

function eventsOf(state: CloudTrailState, filter: LocalCloudTrailEventFilter): LocalCloudTrailEvent[] {
  return state
    .newestFirst()
    .map((stored) => stored.event)
    .filter(
      (event) =>
        (filter.accessKeyId === undefined || event.accessKeyId === filter.accessKeyId) &&
        (filter.eventName === undefined || event.eventName === filter.eventName) &&
        (filter.eventSource === undefined || event.eventSource === filter.eventSource),
    );
}

function checkedDelay(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError('the delivery delay must be a whole number of ms >= 0');
  return ms;
}

/** Starts the local CloudTrail on loopback, with an empty event history. */
export async function startLocalCloudTrail(options: LocalCloudTrailOptions = {}): Promise<LocalCloudTrail> {
  const location = emulatorLocation(options);
  if (!ACCOUNT_ID.test(location.accountId))
    throw new RangeError(`accountId must be 12 digits, got ${location.accountId}`);
  const now = options.now ?? (() => new Date());
  const state = new CloudTrailState(location, now, checkedDelay(options.deliveryDelayMs ?? 0));
  const rate = new RequestRate(checkedRate(options.lookupEventsPerSecond ?? DEFAULT_LOOKUP_EVENTS_PER_SECOND), () =>
    now().getTime(),
  );
  const faults = new CloudTrailFaults();
  const control = createCloudTrailControlHandler({
    faults,
    events: (filter) => eventsOf(state, filter),
    clearEvents: () => {
      state.clear();
    },
    setDeliveryDelay: (ms) => {
      state.deliveryDelayMs = checkedDelay(ms);
    },
    setLookupEventsRate: (perSecond) => {
      rate.setRate(perSecond);
    },
  });
  const server = createCloudTrailServer(createOperationHandlers({ state, now, rate }), faults, control);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalCloudTrail(server, state, rate, now, faults);
}
