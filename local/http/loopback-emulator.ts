import type { Server } from 'node:http';
import { closeServer, endpointOf } from './listen';

/**
 * What every in-process emulator handle (LocalSns, LocalRds, LocalKms, ...) has alike: where it
 * listens, the Region and account it pretends to be, its fault plan, and a stop() that closes it
 * once however often it is called. Each emulator adds only its own fixtures and readings.
 */

/** The options every emulator takes. */
export interface LoopbackEmulatorOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
}

/** The Region and account an emulated service pretends to live in (its ARNs say so). */
export interface EmulatorLocation {
  readonly region: string;
  readonly accountId: string;
}

export function emulatorLocation(options: LoopbackEmulatorOptions): EmulatorLocation {
  return { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '123456789012' };
}

export abstract class LoopbackEmulator<Faults> {
  /** Base URL for the service's SDK client (`new SNSClient({ endpoint })`) or its AWS_ENDPOINT_URL_<SERVICE>. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Makes the next calls of an operation fail (each emulator says with what by default). */
  readonly faults: Faults;

  private stopping: Promise<void> | undefined;

  protected constructor(
    private readonly server: Server,
    location: EmulatorLocation,
    faults: Faults,
  ) {
    this.endpoint = endpointOf(server);
    this.region = location.region;
    this.accountId = location.accountId;
    this.faults = faults;
  }

  stop(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  /** Run once, by the first stop(): closes the server (an emulator may first let its work finish). */
  protected close(): Promise<void> {
    return closeServer(this.server);
  }
}
