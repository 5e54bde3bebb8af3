/**
 * awsQuery request parameters: a form-encoded body of `Action`, `Version` and flattened
 * members. Lists are `Name.member.N`, maps `Name.entry.N.<key>` / `Name.entry.N.<value...>`
 * (N from 1), as the SDK's AwsQueryProtocol serializes them.
 */
export class QueryParams {
  private readonly values: ReadonlyMap<string, string>;

  constructor(body: string) {
    this.values = new Map(new URLSearchParams(body));
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /**
   * The numbered groups under `prefix` (`Tags.member`, `MessageAttributes.entry`), in index
   * order, each as its fields relative to the group: `{ Name, 'Value.DataType', ... }`.
   */
  groups(prefix: string): ReadonlyMap<string, string>[] {
    const byIndex = new Map<number, Map<string, string>>();
    const start = `${prefix}.`;
    for (const [key, value] of this.values) {
      if (!key.startsWith(start)) continue;
      const rest = key.slice(start.length);
      const dot = rest.indexOf('.');
      const index = Number(dot === -1 ? rest : rest.slice(0, dot));
      if (!Number.isInteger(index) || index < 1 || dot === -1) continue;
      const group = byIndex.get(index) ?? new Map<string, string>();
      group.set(rest.slice(dot + 1), value);
      byIndex.set(index, group);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
  }
}
