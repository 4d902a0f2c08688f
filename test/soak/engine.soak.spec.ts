import { mb, runSoak } from './support/soak.js';

// 100,000 calls through each combination of options that holds state per call, in a child
// process (`npm test` builds dist/ first), heap measured after gc() against a baseline taken
// after a warm-up. A leak of 2 KB a call would be 200 MB; what a call leaves for good must be
// nothing, so the bound is a few MB, whatever the machine's speed. Memory, not time: the only
// clock read here is the generous bound on how long the child stays up after its last call,
// which no timer of ours may hold (deadlines are a minute long there).

const CALLS = 100_000;
const MAX_GROWTH = 4 * 1024 * 1024;
/** Far above an exit on a loaded machine, far below the minute a leftover deadline would hold. */
const EXITS_WITHIN_MS = 30_000;

const COMBINATIONS = [
  'timeoutMs without a caller signal',
  'timeoutMs with a per-call caller signal',
  'a long-lived caller signal',
  'retry with deadlineMs',
  'bulkhead + retry + timeoutMs, a long-lived signal',
  'adaptive timeout',
];

describe('engine soak: 100,000 calls leave the heap as they found it', () => {
  it.each(COMBINATIONS)(
    '%s',
    async (combination) => {
      const run = await runSoak('test/soak/support/engine-soak.mjs', [combination, String(CALLS)]);
      expect(run.result).toMatchObject({ combination, calls: CALLS, failed: 0 });
      expect(run.warnings).toEqual([]); // MaxListenersExceededWarning among others
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const growth = run.result.growth as number;
      expect({ growth: mb(growth), within: growth <= MAX_GROWTH }).toEqual({
        growth: mb(growth),
        within: true,
      });
      expect(run.exitAfterMs).toBeLessThan(EXITS_WITHIN_MS);
    },
    120_000,
  );
});
