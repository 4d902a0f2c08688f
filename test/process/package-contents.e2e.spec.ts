import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package as `npm pack` makes it (after the build `npm test` runs first): what it ships, and
// source maps that point at sources it ships too, so that a stack trace under
// --enable-source-maps names a file a user can open.

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the packed package', () => {
  let unpacked: string;
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'nestjs-circuit-breaker-pack-'));
    // --ignore-scripts: the package's prepack would rebuild dist/ under the other test files
    // running now; consumers/run.mjs packs a clean copy through prepack instead.
    const pack = ['pack', '--silent', '--ignore-scripts', '--pack-destination', folder];
    const tarball = execFileSync('npm', pack, {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    execFileSync('tar', ['-xzf', join(folder, tarball), '-C', folder]);
    unpacked = join(folder, 'package');
  }, 60_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('ships the two builds, the sources their maps point at, the licence, the changelog, the docs pages the README links, the README’s picture and the monitoring files', () => {
    expect(readdirSync(unpacked).sort()).toEqual(
      ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'docs', 'lib', 'package.json'].sort(),
    );
    expect(readdirSync(join(unpacked, 'dist')).sort()).toEqual(['cjs', 'esm']);
    // Every file of docs/: the README links its pages relatively, and a reader of
    // node_modules/nestjs-circuit-breaker follows them there.
    expect(readdirSync(join(unpacked, 'docs')).sort()).toEqual(
      readdirSync(join(root, 'docs')).sort(),
    );
    const pages = readdirSync(join(unpacked, 'docs')).filter((file) => file.endsWith('.md'));
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'circuits.md', 'testing.md']));
    expect(readdirSync(join(unpacked, 'docs'))).toEqual(
      expect.arrayContaining(['dashboard.png', 'grafana-dashboard.json', 'prometheus-alerts.yaml']),
    );
  });

  it('ships no declarations for internals: the dashboard’s scripts and stylesheets have none', () => {
    const shipped = readdirSync(join(unpacked, 'dist'), { recursive: true, encoding: 'utf8' });
    const declarations = shipped.filter((file) => file.endsWith('.d.ts'));
    for (const build of ['esm', 'cjs']) {
      expect(declarations).toEqual(
        expect.arrayContaining([`${build}/index.d.ts`, `${build}/engine/index.d.ts`]),
      );
      // Their code ships (the dashboard serves it), their types (the text as a string type) not.
      expect(shipped).toContain(`${build}/admin/dashboard.styles.js`);
    }
    const dashboardInternals = /(^|\/)dashboard[\w.-]*\.(script|styles)\.d\.ts$/;
    expect(declarations.filter((file) => dashboardInternals.test(file))).toEqual([]);
  });

  it.each([
    ['ESM', 'dist/esm/engine/index.js', 'import'],
    ['CommonJS', 'dist/cjs/engine/index.js', 'require'],
  ])('a stack trace from the %s build names a shipped source file', (_build, entry, how) => {
    const load =
      how === 'import'
        ? `const { Circuit } = await import(${JSON.stringify(join(unpacked, entry))});`
        : `const { Circuit } = (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(join(unpacked, entry))});`;
    const stack = execFileSync(
      process.execPath,
      [
        '--enable-source-maps',
        '--input-type=module',
        '-e',
        `${load}
        try { new Circuit('inventory', { failureThreshold: -1 }); }
        catch (error) { console.log(error.stack); }`,
      ],
      { encoding: 'utf8' },
    );
    const frame = /\((\/[^):]+\/lib\/engine\/circuit-options\.ts):\d+:\d+\)/.exec(stack);
    expect(frame).not.toBeNull();
    expect(frame![1]!.startsWith(unpacked)).toBe(true);
    expect(existsSync(frame![1]!)).toBe(true);
  });
});
