import type { Server } from 'node:http';
import { CallListeners } from '../http/call-listeners';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import type { KmsCall, KmsCallListener } from './answered-calls';
import type { KmsContext, KmsSettings } from './context';
import { createKmsControlHandler } from './control';
import { checkedRequestsPerSecond, CryptoRequestQuota, type CryptoRequestStats } from './crypto-quota';
import { KmsFaults, type KmsFaultControl } from './faults';
import { currentMaterial } from './keys';
import { DEFAULT_ON_DEMAND_ROTATION_LIMIT, type RotationRecord } from './rotation';
import { createKmsServer } from './server';
import { KmsState } from './state';

/**
 * The in-process API of the local KMS: customer managed keys of one account in one Region,
 * served over AWS JSON 1.1 on loopback. Point an unmodified KMSClient at `endpoint` (or
 * AWS_ENDPOINT_URL_KMS). The clock is injectable and can be moved on, so rotation schedules and
 * deletion windows need no sleeping; nothing here ever returns or logs key material, plaintexts
 * or data keys (only key material ids). Every call answered is told to `subscribe`rs (the local
 * CloudTrail's feed), and a key's last successful cryptographic use is kept for GetKeyLastUsage.
 */

export interface LocalKmsOptions extends LoopbackEmulatorOptions {
  /** The clock for dates, rotation schedules, deletion windows and the quota. @default the system clock */
  readonly now?: () => Date;
  /** On-demand rotations allowed per key over its life (AWS: 10 or 25, sources differ). @default 10 */
  readonly onDemandRotationLimit?: number;
  /** How long an on-demand rotation stays in progress before its material is current. @default 0 */
  readonly onDemandRotationDurationMs?: number;
  /** The shared symmetric cryptographic request quota per second; 0 or Infinity: none. @default 0 */
  readonly cryptoRequestsPerSecond?: number;
}

/** A key as the in-process API and the control surface show it: ids and states, never material. */
export interface LocalKmsKeySummary {
  readonly keyId: string;
  readonly arn: string;
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly keyState: string;
  readonly origin: string;
  readonly aliases: string[];
  /** Symmetric keys: every material version's id, oldest first (the last is current). */
  readonly keyMaterialIds: string[];
  readonly automaticRotation: boolean;
  readonly nextRotationDate?: Date;
  readonly onDemandRotationsStarted: number;
  readonly onDemandRotationInProgressSince?: Date;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * `endpoint`: for `new KMSClient({ endpoint })` or AWS_ENDPOINT_URL_KMS. `faults`: make the next
 * calls of an operation fail or hang.
 */
export class LocalKms extends LoopbackEmulator<KmsFaultControl> {
  /** @internal use startLocalKms */
  constructor(
    server: Server,
    private readonly state: KmsState,
    private readonly settings: KmsSettings,
    private readonly quota: CryptoRequestQuota,
    private readonly clock: OffsetClock,
    private readonly faultPlan: KmsFaults,
    private readonly listeners: CallListeners<KmsCall>,
  ) {
    super(server, state.location, faultPlan);
  }

  /** The emulator's current time (the injected clock plus any advanceClock). */
  now(): Date {
    return this.clock.now();
  }

  /**
   * Tells `listener` of every call answered from now on, accepted or refused (a KmsCall: the
   * operation, the key ARNs, the exception, the caller's access key id and user agent; never a
   * plaintext, ciphertext, data key or signature). Returns the unsubscribe function.
   */
  subscribe(listener: KmsCallListener): () => void {
    return this.listeners.add(listener);
  }

  /** Completes every rotation due by now (automatic ones on schedule, on-demand ones whose window passed). */
  advanceAutomaticRotations(): RotationRecord[] {
    return settle(this.state, this.clock, this.settings);
  }

  /** Moves the emulator's clock on by `ms`, then completes what became due. */
  advanceClock(ms: number): RotationRecord[] {
    this.clock.advance(ms);
    return this.advanceAutomaticRotations();
  }

  /** Every material version's id of a symmetric key (any KeyId form), oldest first. */
  keyMaterialIdsOf(keyId: string): string[] {
    return this.state.find(keyId, { allowAlias: true }).materials.map((material) => material.id);
  }

  /** The id of the material new encryptions under this key use. */
  currentKeyMaterialIdOf(keyId: string): string | undefined {
    return currentMaterial(this.state.find(keyId, { allowAlias: true }))?.id;
  }

  keys(): LocalKmsKeySummary[] {
    return summaries(this.state);
  }

  /** The shared symmetric cryptographic quota from now on (0 or Infinity: none). */
  setCryptoRequestsPerSecond(perSecond: number): void {
    this.quota.setRate(perSecond);
  }

  /** Cryptographic requests admitted and throttled, per second of the emulator's clock. */
  cryptoRequestStats(): CryptoRequestStats {
    return this.quota.stats();
  }

  resetCryptoRequestStats(): void {
    this.quota.resetStats();
  }

  setOnDemandRotationLimit(limit: number): void {
    this.settings.onDemandRotationLimit = checkedCount(limit, 'onDemandRotationLimit');
  }

  setOnDemandRotationDuration(ms: number): void {
    this.settings.onDemandRotationDurationMs = checkedCount(ms, 'onDemandRotationDurationMs');
  }

  /** Also lets held calls go on, on every call. */
  override stop(): Promise<void> {
    this.faultPlan.releaseAll();
    return super.stop();
  }
}

/** The injected clock, plus however far advanceClock has moved it. */
class OffsetClock {
  private offsetMs = 0;

  constructor(private readonly base: () => Date) {}

  now(): Date {
    return new Date(this.base().getTime() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += checkedCount(ms, 'ms');
  }
}

function settle(state: KmsState, clock: OffsetClock, settings: KmsSettings): RotationRecord[] {
  return state.settle(clock.now(), settings.onDemandRotationDurationMs);
}

function summaries(state: KmsState): LocalKmsKeySummary[] {
  return [...state.keys.values()].map((key) => ({
    keyId: key.keyId,
    arn: key.arn,
    keySpec: key.spec,
    keyUsage: key.usage,
    keyState: key.state,
    origin: key.origin,
    aliases: state.aliasesOf(key.keyId).map((alias) => alias.name),
    keyMaterialIds: key.materials.map((material) => material.id),
    automaticRotation: key.rotation.enabled,
    ...(key.rotation.nextRotationDate === undefined ? {} : { nextRotationDate: key.rotation.nextRotationDate }),
    onDemandRotationsStarted: key.onDemand.started,
    ...(key.onDemand.inProgressSince === undefined
      ? {}
      : { onDemandRotationInProgressSince: key.onDemand.inProgressSince }),
  }));
}

function checkedCount(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${value}`);
  return value;
}

/** Starts the local KMS on loopback, with no keys. */
export async function startLocalKms(options: LocalKmsOptions = {}): Promise<LocalKms> {
  const location = emulatorLocation(options);
  if (!ACCOUNT_ID.test(location.accountId))
    throw new RangeError(`accountId must be 12 digits, got ${location.accountId}`);
  const clock = new OffsetClock(options.now ?? (() => new Date()));
  const now = () => clock.now();
  const settings: KmsSettings = {
    onDemandRotationLimit: checkedCount(
      options.onDemandRotationLimit ?? DEFAULT_ON_DEMAND_ROTATION_LIMIT,
      'onDemandRotationLimit',
    ),
    onDemandRotationDurationMs: checkedCount(options.onDemandRotationDurationMs ?? 0, 'onDemandRotationDurationMs'),
  };
  const state = new KmsState(location);
  const quota = new CryptoRequestQuota(checkedRequestsPerSecond(options.cryptoRequestsPerSecond ?? 0), () =>
    now().getTime(),
  );
  const faults = new KmsFaults();
  const context: KmsContext = { state, now, settings };
  const control = createKmsControlHandler({
    faults,
    keys: () => summaries(state),
    advanceRotations: () => settle(state, clock, settings),
    advanceClock: (ms) => {
      clock.advance(ms);
      return { now: clock.now(), rotations: settle(state, clock, settings) };
    },
    setCryptoRate: (perSecond) => {
      quota.setRate(perSecond);
    },
    cryptoStats: () => quota.stats(),
    resetCryptoStats: () => {
      quota.resetStats();
    },
    setOnDemandRotation: ({ limit, durationMs }) => {
      if (limit !== undefined) settings.onDemandRotationLimit = limit;
      if (durationMs !== undefined) settings.onDemandRotationDurationMs = durationMs;
    },
  });
  const listeners = new CallListeners<KmsCall>();
  const server = createKmsServer(
    { context, faults, quota, settle: () => settle(state, clock, settings), listeners },
    control,
  );
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalKms(server, state, settings, quota, clock, faults, listeners);
}
