import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm version 0.2.0` is ready: its "version" script turns the changelog's [Unreleased] section
// into the release's, dated, under a fresh [Unreleased] (run here on a copy of the real one).

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'scripts', 'changelog-version.mjs');

describe('the changelog at `npm version`', () => {
  let folder: string;
  let copy: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'nestjs-circuit-breaker-changelog-'));
    copy = join(folder, 'CHANGELOG.md');
    copyFileSync(join(root, 'CHANGELOG.md'), copy);
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  const release = (version: string) =>
    execFileSync(process.execPath, [script, copy, version, '2026-12-06'], { stdio: 'pipe' });

  it('dates what was unreleased as the new version, under an empty [Unreleased]', () => {
    const before = readFileSync(copy, 'utf8');
    expect(before).toContain('## [Unreleased]\n');
    release('0.2.0');
    const after = readFileSync(copy, 'utf8');
    expect(after).toContain('## [Unreleased]\n\n## [0.2.0] - 2026-12-06\n\n### Added\n');
    expect(after).not.toContain('The next release is');
    // Every entry is still there, now under 0.2.0; 0.1.0 stays last.
    const entries = (text: string) => text.split('\n').filter((line) => line.startsWith('- '));
    expect(entries(after)).toEqual(entries(before));
    expect(after.indexOf('## [0.2.0]')).toBeLessThan(after.indexOf('## [0.1.0]'));
  });

  it('refuses a version it has already released', () => {
    release('0.2.0');
    expect(() => release('0.2.0')).toThrow(/already has a section for 0\.2\.0/);
  });

  it('refuses something that is not a version', () => {
    expect(() => release('next')).toThrow(/no version to release/);
  });
});
