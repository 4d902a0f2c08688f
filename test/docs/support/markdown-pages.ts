import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The pages a user reads: the README and every page of docs/. The docs tests read them here, so
// that a page added to docs/ is checked without a test naming it.

export const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface Page {
  /** Relative to the repository: `README.md`, `docs/options.md`. */
  readonly path: string;
  readonly text: string;
}

export const pages: readonly Page[] = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => `docs/${file}`),
].map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));

export interface TsBlock {
  readonly page: string;
  readonly code: string;
  /** The line of the page the code starts on. */
  readonly line: number;
}

/** Every ```ts block of a page, with the line it starts on. */
export function tsBlocks({ path, text }: Page): TsBlock[] {
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => ({
    page: path,
    code: match[1]!,
    line: text.slice(0, match.index + '```ts\n'.length).split('\n').length,
  }));
}
