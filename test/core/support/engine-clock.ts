import { jest } from '@jest/globals';

/**
 * Stops the engine's clock (the monotonic `performance.now()`) where it is, until `restore()`
 * (or Jest's `restoreAllMocks()`): open periods and Retry-After then read the same however long a
 * loaded machine takes between two requests. `advance(ms)` moves it on by hand.
 */
export function freezeEngineClock(): { advance(ms: number): number; restore(): void } {
  let now = Math.floor(performance.now());
  const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
  return { advance: (ms) => (now += ms), restore: () => clock.mockRestore() };
}
