import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNBOOK_HEADINGS } from '../../../infra/constructs/observability/runbooks';

describe('runbook links in alarm descriptions', () => {
  it('each lands on a heading of the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const headings = new Set(
      readme
        .split('\n')
        .filter((l) => l.startsWith('### '))
        .map((l) => l.slice(4).trim()),
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
