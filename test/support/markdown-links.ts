import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

/** A link in a Markdown file that points inside the repository, and why it does not resolve (if it does not). */
export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly problem: string;
}

/** Fenced code blocks hold examples, not headings or links: blank them out, keeping the line count. */
function withoutFences(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker[0];
      return '';
    }
    if (fence !== undefined) {
      if (marker?.[0] === fence) fence = undefined;
      return '';
    }
    return line;
  });
}

/** The anchor GitHub gives a heading: its text as rendered, lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim();
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file's headings give, with GitHub's -1, -2 suffixes for repeated headings. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = githubSlug(heading);
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}

/** Inline links and images `[text](target "title")` and reference definitions `[label]: target`, by line. */
export function linkTargets(markdown: string): { line: number; target: string }[] {
  const found: { line: number; target: string }[] = [];
  withoutFences(markdown).forEach((line, index) => {
    const text = line.replace(/`[^`]*`/g, '``'); // inline code is an example too
    for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ line: index + 1, target: match[1] ?? '' });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text)?.[1];
    if (definition !== undefined) found.push({ line: index + 1, target: definition });
  });
  return found;
}

/** The links of `file` (absolute) that point inside the repository and do not land: a missing file or anchor. */
export function brokenLinks(file: string, root: string): BrokenLink[] {
  const markdown = readFileSync(file, 'utf8');
  const broken: BrokenLink[] = [];
  for (const { line, target } of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto: ...
    const hash = target.indexOf('#');
    const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const where = path === '' ? file : resolve(dirname(file), path);
    const report = (problem: string): void => {
      broken.push({ file: relative(root, file), line, target, problem });
    };
    if (!existsSync(where)) {
      report(`no such file: ${relative(root, where)}`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(where).isDirectory() || !where.endsWith('.md')) {
      report(`an anchor on something that is not a Markdown file: ${relative(root, where)}`);
      continue;
    }
    const anchors = where === file ? headingAnchors(markdown) : headingAnchors(readFileSync(where, 'utf8'));
    if (!anchors.has(anchor)) report(`no heading with the anchor #${anchor} in ${relative(root, where)}`);
  }
  return broken;
}
