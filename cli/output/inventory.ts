import type { CliInventory } from '../inventory';
import type { Colors } from './colors';

/** `inventory`'s --json document: the inventory (docs/inventory.md), what it was compared with and the flags applied. */
export function inventoryDocument(result: CliInventory): object {
  return {
    command: 'inventory',
    policy: { file: result.policy.file, compared: result.policy.compared, note: result.policy.note ?? null },
    filters: result.filters,
    ...result.inventory,
  };
}

/** Dates to the second: the table's columns stay narrow. */
const day = (iso: string | null): string => (iso === null ? '-' : iso.replace(/\.\d{3}Z$/, 'Z'));

/** Left-aligned columns, each as wide as its widest cell. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}`;
  return [line(header), ...rows.map(line)];
}

export function inventoryLines(result: CliInventory, colors: Colors): string[] {
  const { inventory, policy, filters } = result;
  const narrowed = filters.length > 0 ? ` with ${filters.map((f) => `--${f}`).join(' ')} findings` : '';
  const lines = [colors.bold(`Secrets (${inventory.secrets.length}${narrowed})`)];
  if (inventory.secrets.length > 0) {
    lines.push(
      ...table(
        ['NAME', 'OWNER', 'KIND', 'LAST ROTATED', 'DUE', 'FINDINGS'],
        inventory.secrets.map((s) => [
          s.name,
          s.owner ?? '-',
          s.kind ?? '-',
          day(s.lastRotatedAt),
          day(s.dueAt),
          s.findings.join(', ') || '-',
        ]),
      ),
    );
  }
  if (inventory.keys.length > 0 || filters.length === 0) {
    lines.push('', colors.bold(`KMS keys (${inventory.keys.length}${narrowed})`));
    if (inventory.keys.length > 0) {
      lines.push(
        ...table(
          ['ENTRY', 'KEY', 'STATE', 'LAST ROTATED', 'DUE', 'FINDINGS'],
          inventory.keys.map((k) => [
            k.entryId,
            k.keyRef,
            k.keyState ?? '-',
            day(k.lastRotatedAt),
            day(k.dueAt),
            k.findings.join(', ') || '-',
          ]),
        ),
      );
    }
  }
  lines.push('');
  if (inventory.findings.length === 0) lines.push(colors.green('No findings.'));
  else {
    lines.push(colors.yellow(colors.bold(`Findings (${inventory.findings.length})`)));
    for (const finding of inventory.findings) {
      const subject = finding.subject.name ?? finding.subject.id;
      lines.push(`  ${colors.yellow(finding.code)}  ${subject}: ${finding.message}`);
      lines.push(colors.dim(`      resolve: ${finding.resolution}`));
    }
  }
  if (policy.note !== undefined) lines.push('', colors.dim(`(${policy.note})`));
  return lines;
}
