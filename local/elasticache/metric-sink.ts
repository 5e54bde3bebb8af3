/**
 * One CloudWatch metric data point, as a local service would publish it with PutMetricData, and
 * the port it is handed to: the local CloudWatch metrics service, an SDK PutMetricData call, or a
 * test's recorder.
 */
export interface MetricDataPoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestamp: Date;
  /** @default 'Count' for the counts published here */
  readonly unit?: string;
}

export type MetricSink = (point: MetricDataPoint) => Promise<void>;

/** A sink that keeps every point (the local stack's default until a metrics service is wired in). */
export function recordingMetricSink(): { readonly sink: MetricSink; points(): readonly MetricDataPoint[] } {
  const points: MetricDataPoint[] = [];
  return {
    sink: (point) => {
      points.push(point);
      return Promise.resolve();
    },
    points: () => [...points],
  };
}
