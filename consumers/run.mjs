#!/usr/bin/env node
// Runs every consumer in consumers/ against the package as users get it, on Node.js 20, 22, 24
// and 26: packs a clean copy of the repository once (its prepack builds it), installs each
// consumer with the tarball and runs its `npm test` under each Node.js line, then prints a
// table. Exits non-zero if anything failed.
//
//   node consumers/run.mjs                      # everything (npm run test:consumers)
//   node consumers/run.mjs --consumers=plain-node,ts-types --node=20,26
//
// The consumers are copied to a folder of the OS temp dir and installed there, never in the
// repository: Node.js and TypeScript look for packages in every parent folder's node_modules, and
// the repository's own (NestJS 12, ioredis, prom-client...) would hide what a consumer lacks.
// Their node_modules stay there between runs, as do the Node.js binaries (from the npm registry's
// node-<platform>-<arch> packages): a second run downloads nothing. No dependencies: plain Node.js.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK_START_FILES, writeQuickStart } from './quick-start.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONSUMERS_DIR = path.join(REPO, 'consumers');
/**
 * Each consumer: its folder, any flags for installing the tarball, and where the README's Quick
 * start files go (taken from README.md at every run, so that the README as written is tested).
 */
const CONSUMERS = [
  {
    name: 'nest11-cjs',
    install: [],
    // Beside the consumer's own app; its main.ts is ESM-only (top-level await), the README says
    // how a CommonJS app writes it instead.
    quickStart: {
      into: 'src/quick-start',
      files: QUICK_START_FILES.filter((file) => file !== 'main.ts'),
    },
  },
  { name: 'nest12-esm', install: [] },
  { name: 'nest12-vitest', install: [], quickStart: { into: 'src', files: QUICK_START_FILES } },
  { name: 'plain-node', install: [] },
  { name: 'ts-types', install: [] },
];
/** Copied beside the consumers: test code two of them share. */
const SHARED = ['shared'];
const NODE_MAJORS = [20, 22, 24, 26];
const CELL_TIMEOUT_MS = 5 * 60_000;

const STAGE = path.join(os.tmpdir(), `nestjs-circuit-breaker-consumers-${hash(REPO).slice(0, 8)}`);
const NODE_CACHE = path.join(os.tmpdir(), 'nestjs-circuit-breaker-node-binaries');
const SKIPPED_WHEN_COPYING = new Set(['node_modules', 'dist', 'coverage']);

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const match = /^--(consumers|node)=(.+)$/.exec(arg);
    if (!match) fail(`unknown argument ${arg}: --consumers=a,b and --node=20,22 are known`);
    return [match[1], match[2].split(',')];
  }),
);
const consumers = args.consumers
  ? args.consumers.map(
      (name) => CONSUMERS.find((c) => c.name === name) ?? fail(`no consumer ${name}`),
    )
  : CONSUMERS;
const majors = args.node ? args.node.map(Number) : NODE_MAJORS;

/** Process groups still running: killed if this script is interrupted. */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.exit(130);
  });
}

const started = performance.now();
const phases = [];

// npm itself runs on this process's Node.js; only the `node` the checks run on changes.
const npmCli = findNpmCli();
const npm = (argv, options) => run(process.execPath, [npmCli, ...argv], options);

checkNoParentNodeModules(STAGE);
fs.mkdirSync(path.join(STAGE, 'logs'), { recursive: true });

// What `npm publish` ships: `npm pack` of a copy holding only the repository's files (no dist/,
// no build of ours first), so that the package's own `prepack` must build it.
const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nestjs-circuit-breaker-pack-'));
let tarball;
await phase('pack a clean copy (npm pack, its prepack builds)', async () => {
  const clean = cleanCopy(path.join(packDir, 'clean'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', packDir], { cwd: clean });
  tarball = path.join(packDir, JSON.parse(stdout.slice(stdout.indexOf('[')))[0].filename);
});

let nodes;
await phase('Node.js binaries', async () => {
  nodes = await nodeBinaries(majors);
});

await phase('install the consumers', () => {
  for (const folder of [...SHARED, ...consumers.map(({ name }) => name)]) {
    copySources(path.join(CONSUMERS_DIR, folder), path.join(STAGE, folder));
  }
  for (const { name, quickStart } of consumers) {
    if (!quickStart) continue;
    const into = path.join(STAGE, name, quickStart.into);
    writeQuickStart(path.join(REPO, 'README.md'), into, quickStart.files);
    console.log(`  ${name}: the README's ${quickStart.files.join(', ')} in ${quickStart.into}/`);
  }
  return Promise.all(consumers.map(installConsumer));
});
fs.rmSync(packDir, { recursive: true, force: true });

// The chosen `node` first; none of the repository's own node_modules/.bin (`npm run` adds them).
const pathOutsideRepo = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => dir !== '' && !path.resolve(dir).startsWith(REPO + path.sep));
const results = new Map(); // `${consumer} ${major}` → { ok, seconds, knownBugs }
const knownBugs = new Set();
await phase('run the checks', async () => {
  for (const consumer of consumers) {
    for (const major of majors) {
      const node = nodes.get(major);
      const log = path.join(STAGE, 'logs', `${consumer.name}-node${major}.log`);
      const t0 = performance.now();
      const result = await npm(['test'], {
        cwd: path.join(STAGE, consumer.name),
        env: {
          ...process.env,
          PATH: [node.bin, ...pathOutsideRepo].join(path.delimiter),
          CONSUMER_NODE_VERSION: node.version,
          NODE_OPTIONS: undefined,
          FORCE_COLOR: '0',
        },
        allowFailure: true,
        timeoutMs: CELL_TIMEOUT_MS,
      });
      const seconds = (performance.now() - t0) / 1000;
      const output = result.stdout + result.stderr;
      fs.writeFileSync(log, output);
      const bugs = [...output.matchAll(/^KNOWN-BUG: (.*)$/gm)].map((m) => m[1]);
      for (const bug of bugs) knownBugs.add(bug);
      results.set(`${consumer.name} ${major}`, {
        ok: result.code === 0,
        seconds,
        bugs: bugs.length,
      });
      const verdict = result.code === 0 ? 'pass' : 'FAIL';
      console.log(
        `  ${verdict} ${consumer.name} on Node.js ${node.version} (${seconds.toFixed(1)} s)`,
      );
      if (result.code !== 0) {
        console.log(indent(tail(output, 60)));
        console.log(`  (whole output: ${log})`);
      }
    }
  }
});

printTable();
const failures = [...results.values()].filter((r) => !r.ok).length;
console.log(
  failures === 0
    ? `\nall ${results.size} consumer checks passed`
    : `\n${failures} of ${results.size} consumer checks FAILED`,
);
process.exitCode = failures === 0 ? 0 : 1;

// ---------------------------------------------------------------------------------------------

async function installConsumer({ name, install }) {
  const target = path.join(STAGE, name);
  const lockfile = path.join(target, 'package-lock.json');
  const lock = hash(
    fs.readFileSync(path.join(target, 'package.json'), 'utf8') + fs.readFileSync(lockfile, 'utf8'),
  );
  const marker = path.join(target, 'node_modules', '.installed-from-lockfile');
  const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
  // Exactly the committed lockfile (npm ci fails when it is out of date); again only when it changed.
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== lock) {
    await npm(['ci', ...quiet, ...install], { cwd: target });
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, lock);
  }
  // The tarball on top, without touching package.json or the lockfile.
  await npm(['install', '--no-save', ...quiet, ...install, tarball], { cwd: target });
  const after = hash(
    fs.readFileSync(path.join(target, 'package.json'), 'utf8') + fs.readFileSync(lockfile, 'utf8'),
  );
  if (after !== lock) fail(`installing the tarball rewrote ${name}'s package.json or lockfile`);
  const installed = JSON.parse(
    fs.readFileSync(
      path.join(target, 'node_modules', 'nestjs-circuit-breaker', 'package.json'),
      'utf8',
    ),
  );
  console.log(
    `  ${name}: nestjs-circuit-breaker ${installed.version} from ${path.basename(tarball)}`,
  );
}

/**
 * The repository's files as a clone has them (tracked, plus new files not ignored: the work in
 * progress too), without dist/, and the repository's node_modules linked in for the build tools.
 */
function cleanCopy(to) {
  const listed = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: REPO,
      encoding: 'utf8',
    },
  );
  if (listed.status !== 0) fail(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0')) {
    if (file === '' || !fs.existsSync(path.join(REPO, file))) continue; // deleted, not yet staged
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), path.join(to, file));
  }
  if (fs.existsSync(path.join(to, 'dist'))) fail('the clean copy has a dist/ folder');
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(to, 'node_modules'), 'dir');
  return to;
}

/** Copies a consumer's sources (not its node_modules or build output) over the staged copy. */
function copySources(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(to)) {
    if (entry !== 'node_modules') fs.rmSync(path.join(to, entry), { recursive: true, force: true });
  }
  for (const entry of fs.readdirSync(from)) {
    if (SKIPPED_WHEN_COPYING.has(entry) || entry.endsWith('.tsbuildinfo')) continue;
    fs.cpSync(path.join(from, entry), path.join(to, entry), { recursive: true });
  }
}

/** The `bin` folder and version of each Node.js major: this process's own, or from the cache. */
async function nodeBinaries(wanted) {
  const own = Number(process.versions.node.split('.')[0]);
  const nodes = new Map();
  const missing = [];
  for (const major of wanted) {
    const bin =
      major === own
        ? path.dirname(process.execPath)
        : path.join(NODE_CACHE, 'node_modules', `node${major}`, 'bin');
    const version = nodeVersion(bin);
    if (version?.startsWith(`v${major}.`)) nodes.set(major, { bin, version });
    else missing.push(major);
  }
  if (missing.length > 0) {
    if (process.platform === 'win32')
      fail('the Node.js binaries are fetched for Linux and macOS only');
    const pkg = `node-${process.platform}-${process.arch}`;
    fs.mkdirSync(NODE_CACHE, { recursive: true });
    const specs = missing.map((major) => `node${major}@npm:${pkg}@${major}`);
    console.log(`  installing ${specs.join(' ')} into ${NODE_CACHE}`);
    await npm(
      ['install', '--prefix', NODE_CACHE, '--no-audit', '--no-fund', '--loglevel=error', ...specs],
      {
        cwd: NODE_CACHE,
      },
    );
    for (const major of missing) {
      const bin = path.join(NODE_CACHE, 'node_modules', `node${major}`, 'bin');
      const version = nodeVersion(bin);
      if (!version?.startsWith(`v${major}.`))
        fail(`no Node.js ${major} in ${bin} after installing it`);
      nodes.set(major, { bin, version });
    }
  }
  for (const major of wanted)
    console.log(`  Node.js ${nodes.get(major).version}: ${nodes.get(major).bin}`);
  return nodes;
}

function nodeVersion(bin) {
  const node = path.join(bin, 'node');
  if (!fs.existsSync(node)) return undefined;
  const result = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function findNpmCli() {
  const candidates = [
    process.env.npm_execpath,
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'bin',
      'npm-cli.js',
    ),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  return (
    candidates.find((file) => file?.endsWith('.js') && fs.existsSync(file)) ??
    fail('npm not found beside node')
  );
}

/** A parent folder's node_modules would be searched by Node.js and TypeScript: none may exist. */
function checkNoParentNodeModules(dir) {
  for (let parent = path.dirname(dir); ; parent = path.dirname(parent)) {
    if (fs.existsSync(path.join(parent, 'node_modules'))) {
      fail(
        `${parent}/node_modules exists: the consumers staged in ${dir} would find packages there`,
      );
    }
    if (path.dirname(parent) === parent) return;
  }
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs a command (in a process group of its own, killed whole on timeout); rejects on failure. */
function run(command, argv, { cwd, env = process.env, allowFailure = false, timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer =
      timeoutMs &&
      setTimeout(() => {
        stderr += `\n[run.mjs] killed after ${timeoutMs / 1000} s\n`;
        killGroup(child.pid);
      }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      running.delete(child.pid);
      const result = { code: code ?? 1, signal, stdout, stderr };
      if (result.code === 0 || allowFailure) resolve(result);
      else {
        const shown = [command, ...argv].map((a) => path.basename(a)).join(' ');
        reject(
          new Error(`${shown} (in ${cwd}) exited ${code ?? signal}\n${tail(stdout + stderr, 40)}`),
        );
      }
    });
  });
}

async function phase(title, body) {
  const t0 = performance.now();
  console.log(`${title}...`);
  await body();
  phases.push([title, (performance.now() - t0) / 1000]);
}

function printTable() {
  const header = ['consumer', ...majors.map((major) => `Node.js ${nodes.get(major).version}`)];
  const rows = consumers.map(({ name }) => [
    name,
    ...majors.map((major) => {
      const { ok, seconds, bugs } = results.get(`${name} ${major}`);
      return `${ok ? 'pass' : 'FAIL'}${bugs ? '*' : ''} ${seconds.toFixed(1)} s`;
    }),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
  for (const row of rows) console.log(line(row));
  for (const bug of knownBugs)
    console.log(`\n* passed but for a known library bug, reported on every run: ${bug}`);
  console.log('');
  for (const [title, seconds] of phases) console.log(`${title.padEnd(40)} ${seconds.toFixed(1)} s`);
  console.log(`${'total'.padEnd(40)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function hash(text) {
  return createHash('sha256').update(text).digest('hex');
}

function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function indent(text) {
  return text.replace(/^/gm, '    ');
}

function fail(message) {
  console.error(`consumers/run.mjs: ${message}`);
  process.exit(1);
}
