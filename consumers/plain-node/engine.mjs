// The engine as an ES module: `import ... from 'nestjs-circuit-breaker/engine'`.
import assert from 'node:assert/strict';
import * as engine from 'nestjs-circuit-breaker/engine';
import { checkEngine } from './engine-checks.cjs';

assert.match(import.meta.resolve('nestjs-circuit-breaker/engine'), /\/dist\/esm\//);

await checkEngine(engine, 'import');
