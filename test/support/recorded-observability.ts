import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One log call: its level, message and the fields passed with it. */
export interface RecordedLogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A silent logger and a lifecycle Metrics whose calls are recorded instead of printed. */
export interface RecordedObservability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly lines: RecordedLogLine[];
  /** The last value added per metric name. */
  readonly gauges: Map<string, number>;
  readonly published: jest.SpiedFunction<Metrics['publishStoredMetrics']>;
}

export function recordedObservability(): RecordedObservability {
  const lines: RecordedLogLine[] = [];
  const logger = new Logger({ logLevel: 'SILENT' });
  for (const level of ['info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
      lines.push({ level, message: String(args[0]), fields: (args[1] ?? {}) as Record<string, unknown> });
    });
  }
  const metrics = new Metrics({ namespace: 'keyturn', serviceName: 'keyturn-lifecycle' });
  const gauges = new Map<string, number>();
  jest.spyOn(metrics, 'addMetric').mockImplementation((name: string, _unit, value: number) => {
    gauges.set(name, value);
    return metrics;
  });
  const published = jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  return { logger, metrics, lines, gauges, published };
}
