/** Plain-text pieces of the drill's report; no secret value ever reaches them. */

export interface VersionLine {
  readonly versionId: string;
  readonly stages: readonly string[];
}

export interface Check {
  readonly passed: boolean;
  readonly text: string;
}

export interface SecretReport {
  readonly name: string;
  readonly strategy: string;
  readonly before: readonly VersionLine[];
  readonly after: readonly VersionLine[];
  readonly rotationMs: number;
  readonly succeeded: boolean;
  readonly failure?: string;
  readonly checks: readonly Check[];
}

const shortId = (id: string): string => id.slice(0, 8);

function versionLines(label: string, versions: readonly VersionLine[]): string[] {
  return versions.map(
    (v, i) => `  ${i === 0 ? label.padEnd(7) : ' '.repeat(7)} version ${shortId(v.versionId)}  ${v.stages.join(', ')}`,
  );
}

export function renderSecretReport(report: SecretReport): string {
  const title = `${report.name} (${report.strategy})`;
  const timing = report.succeeded
    ? `rotated in ${report.rotationMs.toFixed(0)} ms`
    : `FAILED after ${report.rotationMs.toFixed(0)} ms`;
  return [
    `${title.padEnd(52)} ${timing}`,
    ...versionLines('before', report.before),
    ...versionLines('after', report.after),
    ...(report.failure ? [`  error   ${report.failure}`] : []),
    ...report.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'}    ${c.text}`),
  ].join('\n');
}

export function renderSummary(reports: readonly SecretReport[]): string {
  const passed = reports.filter((r) => r.succeeded && r.checks.every((c) => c.passed)).length;
  return `${passed} of ${reports.length} rotations succeeded with every check passing.`;
}
