import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RUNBOOK_BASE_URL, RUNBOOK_HEADINGS } from '../../../infra/constructs/observability/runbooks';

describe('runbook links in alarm descriptions', () => {
  it('each lands on a heading of the runbooks page the default base URL names', () => {
    expect(DEFAULT_RUNBOOK_BASE_URL).toBe('docs/runbooks.md');
    const page = readFileSync(join(__dirname, '..', '..', '..', DEFAULT_RUNBOOK_BASE_URL), 'utf8');
    const headings = new Set(
      page
        .split('\n')
        .map((l) => /^#{1,6} (.*)$/.exec(l)?.[1]?.trim())
        .filter((h): h is string => h !== undefined),
    );
    for (const [anchor, heading] of Object.entries(RUNBOOK_HEADINGS)) {
      expect(headings.has(heading)).toBe(true);
      // GitHub's anchor for the heading: lower case, spaces to hyphens, punctuation dropped.
      expect(
        heading
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ).toBe(anchor);
    }
  });
});
