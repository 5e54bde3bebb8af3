/** One CloudWatch embedded-metric-format document, as Powertools Metrics prints it. */
export interface EmfDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: {
      readonly Namespace: string;
      readonly Dimensions: string[][];
      readonly Metrics: { Name: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/** The EMF documents `run` prints to stdout, with Powertools metrics enabled for its duration. */
export async function captureEmf(run: () => Promise<void>): Promise<EmfDocument[]> {
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
    process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
}
