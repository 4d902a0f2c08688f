// The library is installed as an engine-only user installs it: a plain `npm install`, no flag.
// Its NestJS peers are optional, so none of them (nor anything they bring) was installed, and
// none can be found further up the folder tree.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

assert.equal(
  process.version,
  process.env.CONSUMER_NODE_VERSION ?? process.version,
  'Node.js version',
);
assert.ok(
  existsSync('node_modules/nestjs-circuit-breaker/package.json'),
  'the library is installed',
);
const installed = readdirSync('node_modules').filter((entry) => !entry.startsWith('.'));
assert.deepEqual(installed, ['nestjs-circuit-breaker'], 'the library alone, no peer');
for (const peer of ['@nestjs/common', '@nestjs/core', 'rxjs', 'reflect-metadata']) {
  assert.throws(
    () => require.resolve(peer),
    { code: 'MODULE_NOT_FOUND' },
    `${peer} must not be resolvable from here`,
  );
}
console.log(`no NestJS, rxjs or reflect-metadata installed (Node.js ${process.version})`);
