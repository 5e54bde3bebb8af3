import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { CloudWatchFaults, type CloudWatchFaultControl } from './faults';
import { MetricStore } from './metric-store';
import { createOperationHandlers } from './operations';
import { createCloudWatchServer } from './server';

/**
 * The in-process API of the local CloudWatch (metrics): start it, point an unmodified
 * CloudWatchClient at `endpoint` (or AWS_ENDPOINT_URL_CLOUDWATCH), and let other local services
 * put their data points into `metrics` directly.
 */

export interface LocalCloudWatchOptions extends LoopbackEmulatorOptions {
  /** The clock for PutMetricData's time window and ListMetrics' recency. @default the store's clock */
  readonly now?: () => Date;
  /** The store to serve, shared with the local CloudWatch Logs' metric filters. @default a new one */
  readonly metrics?: MetricStore;
}

export class LocalCloudWatch extends LoopbackEmulator<CloudWatchFaultControl> {
  /** @internal use startLocalCloudWatch */
  constructor(
    server: Server,
    location: { region: string; accountId: string },
    faults: CloudWatchFaults,
    /** The data points, for other local services to put into (`metrics.putValue(...)`) and tests to read. */
    readonly metrics: MetricStore,
  ) {
    super(server, location, faults);
  }
}

export async function startLocalCloudWatch(options: LocalCloudWatchOptions = {}): Promise<LocalCloudWatch> {
  const metrics = options.metrics ?? new MetricStore(options.now);
  const faults = new CloudWatchFaults();
  const server = createCloudWatchServer(createOperationHandlers(metrics, options.now ?? metrics.now), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalCloudWatch(server, emulatorLocation(options), faults, metrics);
}
