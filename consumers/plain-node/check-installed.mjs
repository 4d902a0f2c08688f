// The library is installed with its peers omitted (`npm install --omit=peer`): neither NestJS,
// rxjs nor reflect-metadata is there, nor can any be found further up the folder tree.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
assert.ok(!existsSync('node_modules/@nestjs'), 'node_modules has no @nestjs folder');
for (const peer of ['@nestjs/common', '@nestjs/core', 'rxjs', 'reflect-metadata']) {
  assert.throws(
    () => require.resolve(peer),
    { code: 'MODULE_NOT_FOUND' },
    `${peer} must not be resolvable from here`,
  );
}
console.log(`no NestJS, rxjs or reflect-metadata to be found (Node.js ${process.version})`);
