/**
 * Entry ids for proposed entries: derived from the secret's name, the user's name or the key's alias, in the
 * policy's id syntax (lowercase letters, digits, hyphens, a letter first, at most 63), unique across every
 * proposal of one run, as ids must be across `entries` and `keys`.
 */
const MAX_ID_LENGTH = 63;

export class EntryIds {
  private readonly taken = new Set<string>();

  /** A fresh id from `text` (`payments/api-key` → `payments-api-key`), `fallback` when nothing of it is usable. */
  allocate(text: string, fallback: string): string {
    const base = idFrom(text) ?? idFrom(fallback) ?? 'entry';
    let id = base;
    for (let n = 2; this.taken.has(id); n++) {
      const suffix = `-${n}`;
      id = `${base.slice(0, MAX_ID_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    this.taken.add(id);
    return id;
  }
}

function idFrom(text: string): string | undefined {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, MAX_ID_LENGTH)
    .replace(/-+$/, '');
  return words === '' ? undefined : words;
}
