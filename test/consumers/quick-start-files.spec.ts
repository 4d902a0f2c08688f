import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// consumers/run.mjs writes the README's Quick start into two consumer apps at every run: here,
// without installing anything, that the README still has each of its files once, whole, and that
// a README without one stops the run instead of testing less.

type QuickStart = {
  QUICK_START_FILES: string[];
  quickStartFiles(markdown: string, wanted?: string[]): Map<string, string>;
};
const extractor: string = '../../consumers/quick-start.mjs'; // plain JS: no types to check
const { QUICK_START_FILES, quickStartFiles } = (await import(extractor)) as QuickStart;
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

describe("the README's Quick start, as the consumers get it", () => {
  it('has the four files, each a whole block that starts with its name', () => {
    const files = quickStartFiles(readme);
    expect([...files.keys()]).toEqual([
      'payments.client.ts',
      'app.module.ts',
      'main.ts',
      'payments.client.spec.ts',
    ]);
    for (const [name, body] of files) {
      expect(body.startsWith(`// ${name}\n`)).toBe(true);
      expect(body).not.toContain('```');
    }
    expect(files.get('main.ts')).toContain("from './app.module.js'");
    expect(files.get('payments.client.spec.ts')).toContain("from './payments.client.js'");
  });

  it('stops the run when a file is missing or written twice', () => {
    const withoutMain = readme.replace('```ts\n// main.ts\n', '```ts\n// main-renamed.ts\n');
    expect(() => quickStartFiles(withoutMain)).toThrow('// main.ts');
    const block = /```ts\n\/\/ app\.module\.ts\n[\s\S]*?\n```\n/.exec(readme)![0];
    expect(() => quickStartFiles(`${readme}\n${block}`, QUICK_START_FILES)).toThrow(
      'two blocks for app.module.ts',
    );
  });
});
