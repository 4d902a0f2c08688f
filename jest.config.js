import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The Redis store's tests start Debian's redis-server (and redis-cli for a Cluster): no npm
 * package ships a server. Without them, outside CI, those test files are skipped with one line
 * saying what to install; in CI (CI=true) nothing is skipped, and .ci/run installs them.
 */
function redisTestsToSkip() {
  const missing = ['redis-server', 'redis-cli'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length === 0 || process.env.CI === 'true') return [];
  const needRedis = readdirSync('test/store')
    .filter((file) => file.endsWith('.spec.ts'))
    .filter((file) =>
      /support\/redis-(replicas|cluster)\.js|bench\/redis-server\.js/.test(
        readFileSync(`test/store/${file}`, 'utf8'),
      ),
    );
  console.warn(
    `Skipping ${needRedis.length} Redis store test files: ${missing.join(' and ')} not found on PATH ` +
      '(Debian/Ubuntu: apt-get install redis-server redis-tools; macOS: brew install redis).',
  );
  return needRedis.map((file) => `/test/store/${file.replace(/\./g, '\\.')}$`);
}

/** ESM Jest: NestJS 12 is ESM-only, so tests run as ES modules (see package.json's test script). */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', ...redisTestsToSkip()],
  // Many tests are CPU work (fake time stepped through, property runs, compiles): on a machine
  // loaded by other work they can take several times Jest's default 5 s. What a test waits for
  // has its own deadline; this bounds only a test's own work.
  testTimeout: 30_000,
  // Jest's default (one worker fewer than the cores) runs the files one at a time on two cores,
  // and most files spend their time waiting (servers, child processes, Redis, timers): two run
  // side by side there (npm test in 4.5 minutes rather than 6 to 13).
  maxWorkers: Math.max(2, availableParallelism() - 1),
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // The sample app imports the library by its package name, as a user would.
    '^nestjs-circuit-breaker$': '<rootDir>/lib/index.ts',
    '^nestjs-circuit-breaker/engine$': '<rootDir>/lib/engine/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};
