// Type-checks src/ with `tsc --noEmit` under each tsconfig.<resolution>.json, `strict` and
// without `skipLibCheck`, so the package's own .d.ts are checked too, with none of its optional
// peers (prom-client, ioredis, @nestjs/terminus) installed. Exits non-zero on any error but a
// known library bug listed below; when a known bug is gone, it fails too, so the list stays true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Library bugs this check finds and expects, each one diagnostic per .d.ts it appears in.
 * Every one is reported on each run (a `KNOWN-BUG:` line, which the consumers' runner counts).
 */
const KNOWN_BUGS = [];

const RESOLUTIONS = ['node16', 'nodenext', 'bundler'];

assert.equal(
  process.version,
  process.env.CONSUMER_NODE_VERSION ?? process.version,
  'Node.js version',
);
for (const optional of ['prom-client', 'ioredis', '@nestjs/terminus']) {
  assert.throws(
    () => require.resolve(optional),
    { code: 'MODULE_NOT_FOUND' },
    `${optional} is installed`,
  );
}

const tsc = require.resolve('typescript/bin/tsc');
let failed = false;
const seen = new Set();
for (const resolution of RESOLUTIONS) {
  const run = spawnSync(
    process.execPath,
    [tsc, '-p', `tsconfig.${resolution}.json`, '--pretty', 'false'],
    {
      encoding: 'utf8',
    },
  );
  const errors = run.stdout.split('\n').filter((line) => / error TS\d+:/.test(line));
  const unknown = errors.filter((line) => {
    const known = KNOWN_BUGS.find(({ diagnostic }) => diagnostic.test(line));
    if (known) seen.add(known);
    return !known;
  });
  const ok = run.status === 0 || (errors.length > 0 && unknown.length === 0);
  if (!ok) {
    failed = true;
    console.error(`FAIL ${resolution}: tsc exited ${run.status}\n${run.stdout}${run.stderr}`);
  } else {
    const known = errors.length - unknown.length;
    console.log(`ok   ${resolution}${known ? ` (${known} errors of known library bugs)` : ''}`);
  }
}
for (const known of KNOWN_BUGS) {
  if (seen.has(known)) console.log(`KNOWN-BUG: ${known.bug}`);
  else {
    failed = true;
    console.error(`FAIL: no longer seen, remove it from KNOWN_BUGS in check.mjs: ${known.bug}`);
  }
}
process.exitCode = failed ? 1 : 0;
