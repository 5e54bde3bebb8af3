import type { Finding, FindingKind, PolicyList } from './finding';
import { snippetOf } from './snippet';

/** `keyturn discover`'s output: text for people, JSON (documented in docs/discover.md) for scripts. */

export interface DiscoverJson {
  readonly findings: readonly {
    readonly kind: FindingKind;
    readonly arn: string;
    readonly name: string;
    readonly reason: string;
    readonly ageDays?: number;
    /** The array of the policy file the entry goes in. */
    readonly policyList: PolicyList;
    /** The entry as the policy file takes it, or null when keyturn cannot adopt it (the snippet says why). */
    readonly policyEntry: object | null;
    readonly snippet: string;
  }[];
}

export function discoverJson(findings: readonly Finding[]): DiscoverJson {
  return {
    findings: findings.map((finding) => ({
      kind: finding.kind,
      arn: finding.arn,
      name: finding.name,
      reason: finding.reason,
      ...(finding.ageDays === undefined ? {} : { ageDays: finding.ageDays }),
      policyList: finding.proposal.list,
      policyEntry: finding.proposal.entry,
      snippet: snippetOf(finding),
    })),
  };
}

const HEADINGS: Readonly<Record<FindingKind, (maxAgeDays: number) => string>> = {
  secret: () => 'Secrets Manager secrets without rotation',
  'access-key': (days) => `IAM users with access keys older than ${days} days`,
  'kms-key': () => 'Customer managed KMS keys without rotation',
};

/**
 * Findings grouped by kind, one line each (name and reason), then the snippets to paste, grouped by the policy
 * file's array they go in.
 */
export function discoverText(findings: readonly Finding[], options: { readonly accessKeyMaxAgeDays: number }): string {
  if (findings.length === 0) {
    return (
      'Nothing found: every secret rotates or is managed, no Active access key is older than ' +
      `${options.accessKeyMaxAgeDays} days, every customer managed KMS key rotates.\n`
    );
  }
  const lines: string[] = [];
  for (const kind of Object.keys(HEADINGS) as FindingKind[]) {
    const ofKind = findings.filter((finding) => finding.kind === kind);
    if (ofKind.length === 0) continue;
    lines.push(`${HEADINGS[kind](options.accessKeyMaxAgeDays)} (${ofKind.length}):`);
    const width = Math.max(...ofKind.map((finding) => finding.name.length));
    for (const finding of ofKind) lines.push(`  ${finding.name.padEnd(width)}  ${finding.reason}`);
    lines.push('');
  }
  for (const list of ['entries', 'keys'] as const) {
    const ofList = findings.filter((finding) => finding.proposal.list === list && finding.proposal.entry !== null);
    if (ofList.length === 0) continue;
    lines.push(`Policy ${list} that would adopt them (paste into \`${list}: [...]\`, then fill in the TODOs):`, '');
    for (const finding of ofList) lines.push(snippetOf(finding), '');
  }
  const unadoptable = findings.filter((finding) => finding.proposal.entry === null);
  if (unadoptable.length > 0) {
    lines.push('No entry can adopt these as they are:', '');
    for (const finding of unadoptable) lines.push(snippetOf(finding), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
