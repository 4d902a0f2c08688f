import { jest } from '@jest/globals';
import { watchedDeadlineLists } from '../../lib/engine/call-deadlines.js';
import { Circuit } from '../../lib/index.js';

// The process-wide deadline timer looks through one list per timeout length in use. A length no
// longer used (an adaptive timeout moves through many; circuits come and go) must not stay a list
// it looks through, or every turn of the timer grows slower and the lists are never freed.

describe('deadline lists', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('forgets the lists of lengths no call uses any more, and serves a circuit that keeps one', async () => {
    const before = watchedDeadlineLists();
    const circuits = Array.from(
      { length: 1_000 },
      (_, i) => new Circuit(`timed-${i}`, { timeoutMs: 1_000 + i }),
    );
    await Promise.all(circuits.map((circuit) => circuit.execute(async () => 'ok')));
    expect(watchedDeadlineLists()).toBeGreaterThanOrEqual(before + 1_000);

    await jest.advanceTimersByTimeAsync(3_000); // every deadline passed: the timer turned
    expect(watchedDeadlineLists()).toBeLessThanOrEqual(before);

    // A circuit whose list was forgotten still times out: its next call has the list watched.
    const hung = circuits[7]!.execute(() => new Promise(() => {}));
    const outcome = hung.then(
      () => 'resolved',
      (error: Error) => error.name,
    );
    await jest.advanceTimersByTimeAsync(1_007);
    await expect(outcome).resolves.toBe('CallTimeoutError');
  });
});
