import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokenLinks, githubSlug } from '../support/markdown-links';

const ROOT = join(__dirname, '..', '..');

/** The README and every page under docs/, absolute. */
function documentationPages(): string[] {
  const docs = join(ROOT, 'docs');
  const pages = readdirSync(docs, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(docs, name));
  return [join(ROOT, 'README.md'), ...pages.sort()];
}

describe('links in README.md and docs/', () => {
  it.each(documentationPages().map((page) => [page.slice(ROOT.length + 1), page]))(
    '%s: every relative link and #anchor lands on a file and a heading',
    (_name, page) => {
      expect(brokenLinks(page, ROOT)).toEqual([]);
    },
  );
});

describe('the link checker', () => {
  it('gives headings the anchors GitHub gives them', () => {
    expect(githubSlug('`http-api-key`: third-party API keys, rotated at their provider')).toBe(
      'http-api-key-third-party-api-keys-rotated-at-their-provider',
    );
    expect(githubSlug('Options (tags)')).toBe('options-tags');
    expect(githubSlug('Runbook: KMS re-wrap failed')).toBe('runbook-kms-re-wrap-failed');
    expect(githubSlug('Local CloudTrail (event history)')).toBe('local-cloudtrail-event-history');
    expect(githubSlug('Local RDS, EventBridge and SNS')).toBe('local-rds-eventbridge-and-sns');
  });

  it('finds a missing file, a missing anchor and an anchor of a repeated heading, and skips code and URLs', () => {
    const root = mkdtempSync(join(tmpdir(), 'keyturn-docs-links-'));
    try {
      mkdirSync(join(root, 'docs'));
      writeFileSync(join(root, 'docs', 'page.md'), '# Page\n\n## Setup\n\n## Setup\n');
      writeFileSync(
        join(root, 'README.md'),
        [
          '# Title',
          '',
          '## `random`: values',
          '',
          'Good: [a](docs/page.md), [b](docs/page.md#setup), [c](docs/page.md#setup-1), [d](#random-values),',
          '[e](https://example.com/x#y), [f](docs/), `[g](nowhere.md)`.',
          '',
          '```',
          '[h](nowhere-in-code.md)',
          '```',
          '',
          'Bad: [i](docs/missing.md), [j](docs/page.md#setup-2), [k](#nothing), [l](docs/#x).',
          '',
          '[m]: docs/gone.md',
        ].join('\n'),
      );
      expect(brokenLinks(join(root, 'README.md'), root)).toEqual([
        { file: 'README.md', line: 12, target: 'docs/missing.md', problem: 'no such file: docs/missing.md' },
        {
          file: 'README.md',
          line: 12,
          target: 'docs/page.md#setup-2',
          problem: 'no heading with the anchor #setup-2 in docs/page.md',
        },
        {
          file: 'README.md',
          line: 12,
          target: '#nothing',
          problem: 'no heading with the anchor #nothing in README.md',
        },
        {
          file: 'README.md',
          line: 12,
          target: 'docs/#x',
          problem: 'an anchor on something that is not a Markdown file: docs',
        },
        { file: 'README.md', line: 14, target: 'docs/gone.md', problem: 'no such file: docs/gone.md' },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
