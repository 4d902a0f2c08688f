// The README's Quick start, as files: each ```ts block whose first line is `// <file>.ts` is that
// file, word for word. The consumers that run the Quick start get these at every run, so what they
// test is the README as it is written, not a copy that may drift from it.
import fs from 'node:fs';
import path from 'node:path';

/** The Quick start's files, in the order a reader meets them. */
export const QUICK_START_FILES = [
  'payments.client.ts',
  'app.module.ts',
  'main.ts',
  'payments.client.spec.ts',
];

/**
 * Every ```ts block of `markdown` that starts with `// <name>.ts`, by file name. Throws when one
 * of `wanted` is missing or found twice: a consumer must never run a stale or a guessed file.
 */
export function quickStartFiles(markdown, wanted = QUICK_START_FILES) {
  const found = new Map();
  for (const [, body] of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const name = /^\/\/ ([\w.-]+\.ts)\n/.exec(body)?.[1];
    if (!name || !wanted.includes(name)) continue;
    if (found.has(name)) throw new Error(`the README has two blocks for ${name}`);
    found.set(name, body);
  }
  const missing = wanted.filter((name) => !found.has(name));
  if (missing.length > 0) {
    throw new Error(`the README has no block starting with // ${missing.join(', // ')}`);
  }
  return found;
}

/** Writes the wanted Quick start files of `readme` into `dir` (created if need be). */
export function writeQuickStart(readme, dir, wanted = QUICK_START_FILES) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, body] of quickStartFiles(fs.readFileSync(readme, 'utf8'), wanted)) {
    fs.writeFileSync(path.join(dir, name), body);
  }
}
