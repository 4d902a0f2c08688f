import { Circuit, type CircuitOptions } from '../../lib/index.js';
import { watchLibraryTimers } from '../core/support/library-timers.js';

// Calls that wait (out a retry delay, under retry.deadlineMs, for a place in the bulkhead) hold
// no timer each: the process-wide timers serve them all. What keeps a process alive: a retry
// delay the caller awaits (one timer for every pending delay); nothing else of ours. Real
// timers: whether a timer keeps the process up (hasRef()) is what is measured.

const CALLERS = 200;
const MINUTE = 60_000;

/** The library's timers pending that keep the process alive. */
const keepingAlive = (pending: Set<unknown>) =>
  [...pending].filter((timer) => (timer as NodeJS.Timeout).hasRef()).length;

async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 10_000) throw new Error('the calls never got there');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const retrying = (retry: CircuitOptions['retry']): CircuitOptions => ({
  failureThreshold: 1_000_000,
  retry: {
    attempts: 2,
    delayMs: MINUTE,
    maxDelayMs: MINUTE,
    jitter: 'none',
    budgetRatio: 1,
    minRetries: CALLERS,
    ...retry,
  },
});

describe('calls waiting hold no timer each', () => {
  let timers: ReturnType<typeof watchLibraryTimers>;
  let app: AbortController;
  beforeEach(() => {
    timers = watchLibraryTimers();
    app = new AbortController();
  });
  afterEach(() => {
    app.abort(); // whatever a failed test left waiting
    timers.restore();
  });

  it.each([
    ['in a retry delay', retrying({})],
    ['in a retry delay under retry.deadlineMs', retrying({ deadlineMs: MINUTE })],
  ])(
    '%s: one timer for them all, which keeps the process alive until they end',
    async (_n, options) => {
      const circuit = new Circuit('inventory', options);
      const calls = Array.from({ length: CALLERS }, () =>
        circuit
          .execute(async () => Promise.reject(new Error('down')), { signal: app.signal })
          .catch((e: unknown) => e),
      );
      await until(() => circuit.stats().failures === CALLERS);
      await until(() => timers.pending.size > 0);
      expect(timers.pending.size).toBeLessThanOrEqual(2); // the retry delays', the deadlines'
      expect(keepingAlive(timers.pending)).toBe(1); // the retry delays'
      app.abort(new Error('shutting down'));
      expect(await Promise.all(calls)).toEqual(Array(CALLERS).fill(new Error('shutting down')));
      expect(keepingAlive(timers.pending)).toBe(0);
    },
  );

  it('queued for the bulkhead under timeoutMs: one timer, which keeps nothing alive', async () => {
    const circuit = new Circuit('inventory', {
      maxConcurrent: 1,
      maxQueued: CALLERS,
      timeoutMs: MINUTE,
    });
    const calls = Array.from({ length: CALLERS }, () =>
      circuit
        .execute(
          (signal) =>
            new Promise((resolve) => signal!.addEventListener('abort', resolve, { once: true })),
          { signal: app.signal },
        )
        .catch((e: unknown) => e),
    );
    await until(() => circuit.stats().bulkhead!.queued === CALLERS - 1);
    expect(timers.pending.size).toBeLessThanOrEqual(1); // the deadlines'
    expect(keepingAlive(timers.pending)).toBe(0);
    app.abort(new Error('shutting down'));
    await Promise.all(calls);
    expect(circuit.stats()).toMatchObject({ inFlight: 0, bulkhead: { active: 0, queued: 0 } });
  });
});
