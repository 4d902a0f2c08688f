#!/usr/bin/env node
// After the build: deletes every .d.ts of dist/esm and dist/cjs that no public entry's types
// reach, so that internals (the dashboard's scripts and stylesheets, typed as their whole text)
// ship no declarations. TypeScript itself follows the imports, from the .d.ts files that
// package.json's `exports` name, as a user's compiler would; the .js files all stay.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Every `types` file of package.json's `exports` (and its top-level `types`), by build folder. */
function publicEntries() {
  const found = new Set([pkg.types]);
  const visit = (node) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'types' && typeof value === 'string') found.add(value);
      else visit(value);
    }
  };
  visit(pkg.exports);
  return [...found].filter(Boolean).map((file) => path.join(root, file));
}

/** The .d.ts under `dir` that the program built from `entries` reaches. */
function reachedDeclarations(entries, dir) {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    types: [],
  });
  return new Set(
    program
      .getSourceFiles()
      .map(({ fileName }) => path.resolve(fileName))
      .filter((file) => file.startsWith(dir + path.sep)),
  );
}

function declarationsUnder(dir) {
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.d.ts'))
    .map((file) => path.join(dir, file));
}

let pruned = 0;
for (const build of ['dist/esm', 'dist/cjs']) {
  const dir = path.join(root, build);
  const entries = publicEntries().filter((file) => file.startsWith(dir + path.sep));
  if (entries.length === 0) throw new Error(`no public entry of package.json is in ${build}`);
  const reached = reachedDeclarations(entries, dir);
  for (const entry of entries) {
    if (!reached.has(entry)) throw new Error(`${entry} is missing: build first`);
  }
  for (const file of declarationsUnder(dir)) {
    if (reached.has(file)) continue;
    fs.rmSync(file);
    pruned += 1;
  }
}
console.log(`pruned ${pruned} declaration files that no public entry reaches`);
