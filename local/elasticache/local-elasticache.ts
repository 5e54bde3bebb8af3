import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import {
  emulatorLocation,
  LoopbackEmulator,
  type EmulatorLocation,
  type LoopbackEmulatorOptions,
} from '../http/loopback-emulator';
import { ElastiCacheFaults, type ElastiCacheFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { createElastiCacheServer } from './server';
import { ElastiCacheState, type ElastiCacheUserInput } from './state';

/**
 * The in-process API of the local ElastiCache (RBAC users only): start it, point an unmodified
 * ElastiCacheClient at `endpoint` (or AWS_ENDPOINT_URL_ELASTICACHE), declare users backed by a
 * local redis-server, and watch ModifyUser reach that server after `modifyDelayMs`.
 */
export interface LocalElastiCacheOptions extends LoopbackEmulatorOptions {
  /** How long a user stays `modifying` after ModifyUser before Redis gets the change. @default 200 */
  readonly modifyDelayMs?: number;
}

export interface LocalElastiCacheUser {
  readonly userId: string;
  readonly userName: string;
  readonly status: string;
  readonly authenticationType: string;
  /** SHA-256 hashes of the passwords, sorted (never the passwords). */
  readonly passwordHashes: readonly string[];
}

export class LocalElastiCache extends LoopbackEmulator<ElastiCacheFaultControl> {
  /** @internal use startLocalElastiCache */
  constructor(
    server: Server,
    private readonly state: ElastiCacheState,
    faults: ElastiCacheFaults,
    location: EmulatorLocation,
  ) {
    super(server, location, faults);
  }

  /** Adds (or replaces) a user; with `redis`, its passwords are set there now. Returns its ARN. */
  async addUser(input: ElastiCacheUserInput): Promise<string> {
    return (await this.state.addUser(input)).arn;
  }

  removeUser(userId: string): void {
    this.state.removeUser(userId);
  }

  /** `active`, `modifying`, `deleting`, as ElastiCache would report it. */
  setUserStatus(userId: string, status: string): void {
    this.state.setStatus(userId, status);
  }

  /** The delay of later ModifyUser calls. */
  setModifyDelay(ms: number): void {
    this.state.modifyDelayMs = ms;
  }

  user(userId: string): LocalElastiCacheUser | undefined {
    const u = this.state.find(userId);
    return u
      ? {
          userId: u.userId,
          userName: u.userName,
          status: u.status,
          authenticationType: u.authenticationType,
          passwordHashes: [...u.passwordHashes].sort(),
        }
      : undefined;
  }

  /** Errors met applying changes to Redis (none expected). */
  applyErrors(): readonly string[] {
    return [...this.state.applyErrors];
  }

  /** Resolves once every ModifyUser accepted so far has reached Redis. */
  settle(): Promise<void> {
    return this.state.settle();
  }

  /** Lets every accepted ModifyUser reach Redis first. */
  protected override close(): Promise<void> {
    return this.state.settle().then(() => super.close());
  }
}

export async function startLocalElastiCache(options: LocalElastiCacheOptions = {}): Promise<LocalElastiCache> {
  const location = emulatorLocation(options);
  const state = new ElastiCacheState(location, options.modifyDelayMs ?? 200);
  const faults = new ElastiCacheFaults();
  const server = createElastiCacheServer(createOperationHandlers(state), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalElastiCache(server, state, faults, location);
}
