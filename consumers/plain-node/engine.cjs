// The engine as CommonJS: `require('nestjs-circuit-breaker/engine')`.
const assert = require('node:assert/strict');
const engine = require('nestjs-circuit-breaker/engine');
const { checkEngine } = require('./engine-checks.cjs');

assert.match(require.resolve('nestjs-circuit-breaker/engine'), /[/\\]dist[/\\]cjs[/\\]/);

checkEngine(engine, 'require').catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
