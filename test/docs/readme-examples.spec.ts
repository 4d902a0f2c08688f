import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { pages, root, tsBlocks } from './support/markdown-pages.js';

// Every complete TypeScript example of the README and of docs/ (a block with at least one
// import) compiles as a user would copy it, against the package as built (its types, through its
// exports: `npm test` builds it first), with the settings the README's Requirements give. A
// block that starts with a file name (`// app.module.ts`) is that file: the named files of one
// page compile together, so that one can import another. Each page is a program of its own, so
// that two pages may each show their `app.module.ts`.

interface Example {
  page: string;
  file: string;
  code: string;
  line: number;
}

const examples: Example[] = pages.flatMap((page) =>
  tsBlocks(page)
    .filter(({ code }) => /^import /m.test(code))
    .map(({ code, line }, i) => ({
      page: page.path,
      code,
      line,
      file: /^\/\/ ([\w.-]+\.ts)\n/.exec(code)?.[1] ?? `example-${i + 1}.ts`,
    })),
);
const pagesWithExamples = [...new Set(examples.map(({ page }) => page))];

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

// Inside the repository, so that its node_modules (the peers a user installs) resolve; one
// folder per run, as worktrees may share node_modules and run this test at the same time.
const folder = join(root, 'node_modules', '.cache', `readme-examples-${process.pid}`);
const folderOf = (page: string) => join(folder, page.replace(/[/.]/g, '_'));

describe('the TypeScript examples of the README and docs/', () => {
  const programs = new Map<string, ts.Program>();
  beforeAll(() => {
    rmSync(folder, { recursive: true, force: true });
    for (const page of pagesWithExamples) {
      const own = examples.filter((example) => example.page === page);
      mkdirSync(folderOf(page), { recursive: true });
      for (const { file, code } of own) writeFileSync(join(folderOf(page), file), code);
      // One program per page: each file's own diagnostics are what each test reads.
      programs.set(
        page,
        ts.createProgram(
          own.map(({ file }) => join(folderOf(page), file)),
          options,
        ),
      );
    }
    // Each page's program reads NestJS's declarations anew: 25 s measured with the machine
    // loaded (load average 14), close to Jest's 30 s. CPU work, bounded by its own limit.
  }, 180_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('has complete examples to check, in the README and in docs/, each file named once per page', () => {
    expect(examples.filter(({ page }) => page === 'README.md').length).toBeGreaterThanOrEqual(4);
    expect(examples.filter(({ page }) => page.startsWith('docs/')).length).toBeGreaterThanOrEqual(
      15,
    );
    for (const page of pagesWithExamples) {
      const files = examples.filter((example) => example.page === page).map(({ file }) => file);
      expect(new Set(files).size).toBe(files.length);
    }
  });

  it.each(
    examples.map(
      (example) => [`${example.page}: ${example.file} (line ${example.line})`, example] as const,
    ),
  )(
    '%s compiles',
    (_where, { page, file }) => {
      const program = programs.get(page)!;
      const source = program.getSourceFile(join(folderOf(page), file))!;
      const problems = ts
        .getPreEmitDiagnostics(program, source)
        .map(
          (d) =>
            `${d.file?.fileName.split('/').at(-1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        );
      expect(problems).toEqual([]);
    },
    60_000,
  ); // type-checking a page's first file checks the libraries it imports: seconds of CPU
});
