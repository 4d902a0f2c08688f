import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { pages, root } from './support/markdown-pages.js';

// Every relative link of the README and of docs/ leads somewhere: to a file of the repository,
// and, with a #fragment, to a heading of that page as GitHub names its anchors.

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text: each heading's slug, a repeated one numbered `-1`, `-2`… */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const heading of headingsOf(text)) {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function headingsOf(text: string): string[] {
  const headings: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? undefined : /^#{1,6} (.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) headings.push(heading);
  }
  return headings;
}

/** The targets of a text's Markdown links and images, outside code. */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map(
    ([, target]) => target!,
  );
}

const links = pages.flatMap(({ path, text }) =>
  linksOf(text)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => [path, target] as const),
);

describe('the relative links of the README and docs/', () => {
  it('are there to check: the README links its pages, each page is linked', () => {
    expect(links.filter(([page]) => page === 'README.md').length).toBeGreaterThan(10);
    const linked = new Set(
      links.map(([page, target]) => normalize(join(dirname(page), target.split('#')[0]!))),
    );
    const unlinked = pages
      .map(({ path }) => path)
      .filter((path) => path !== 'README.md' && !linked.has(path));
    expect(unlinked).toEqual([]);
  });

  it('follows GitHub’s anchor rules', () => {
    expect(slug('The engine without NestJS: `Circuit`')).toBe('the-engine-without-nestjs-circuit');
    expect(slug('`@CircuitBreaker()` and `@CircuitSignal()`')).toBe(
      'circuitbreaker-and-circuitsignal',
    );
    expect(slug('Health: readiness, not liveness')).toBe('health-readiness-not-liveness');
    expect(slug('Snapshot and restore')).toBe('snapshot-and-restore');
    expect([...anchorsOf('# A\n## A\n```\n# B\n```\n')]).toEqual(['a', 'a-1']);
  });

  it.each(links)('%s: %s resolves', (page, target) => {
    const [file, fragment] = target.split('#') as [string, string | undefined];
    const path = file === '' ? page : normalize(join(dirname(page), file));
    expect(existsSync(join(root, path))).toBe(true);
    if (fragment !== undefined) {
      expect(statSync(join(root, path)).isFile()).toBe(true);
      expect([...anchorsOf(readFileSync(join(root, path), 'utf8'))]).toContain(fragment);
    }
  });
});
