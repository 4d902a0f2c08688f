import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Every complete TypeScript example of the README and of the pages in docs/ (a block with at
// least one import) compiles as a user would copy it, against the package as built (its types,
// through its exports: `npm test` builds it first), with the settings the README's Requirements
// give. A block that starts with a file name (`// app.module.ts`) is that file: the named files
// of one page compile together, in a folder of their own, so that one can import another.

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

interface Example {
  /** Relative to the examples' folder: `<page>/<file>`. */
  file: string;
  code: string;
  line: number;
}

function examplesOf(page: string): Example[] {
  const text = readFileSync(join(root, page), 'utf8');
  const folder = page.replace(/\.md$/, '').replace('/', '-');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map(([, code], i) => ({
      code: code!,
      line: text.slice(0, text.indexOf(code!)).split('\n').length,
      file: `${folder}/${/^\/\/ ([\w.-]+\.ts)\n/.exec(code!)?.[1] ?? `example-${i + 1}.ts`}`,
    }))
    .filter(({ code }) => /^import /m.test(code));
}

const examples: Example[] = pages.flatMap(examplesOf);

const options: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node', 'jest'],
  // The package by its name, as built: what `npm pack` ships.
  paths: {
    'nestjs-circuit-breaker': [join(root, 'dist/esm/index.d.ts')],
    'nestjs-circuit-breaker/engine': [join(root, 'dist/esm/engine/index.d.ts')],
  },
};

// Inside the repository, so that its node_modules (the peers a user installs) resolve.
const folder = join(root, 'node_modules', '.cache', 'readme-examples');

describe('the TypeScript examples of the README and docs/*.md', () => {
  let program: ts.Program;
  beforeAll(() => {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    for (const { file, code } of examples) {
      mkdirSync(join(folder, file, '..'), { recursive: true });
      writeFileSync(join(folder, file), code);
    }
    // One program for all of them: each file's own diagnostics are what each test reads.
    program = ts.createProgram(
      examples.map(({ file }) => join(folder, file)),
      options,
    );
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('has complete examples to check, each file named once', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    const files = examples.map(({ file }) => file);
    expect(new Set(files).size).toBe(files.length);
  });

  it.each(examples.map((example) => [`${example.file} (line ${example.line})`, example] as const))(
    '%s compiles',
    (_where, { file }) => {
      const source = program.getSourceFile(join(folder, file))!;
      const problems = ts
        .getPreEmitDiagnostics(program, source)
        .map(
          (d) =>
            `${d.file?.fileName.split('/').slice(-2).join('/')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        );
      expect(problems).toEqual([]);
    },
  );
});
