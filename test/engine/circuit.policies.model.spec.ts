import { jest } from '@jest/globals';
import { Circuit } from '../../lib/index.js';

describe('probe', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  it('reset keeps policy stats', async () => {
    const c = new Circuit('x', {
      failureThreshold: 100,
      maxConcurrent: 1,
      retry: { attempts: 2, jitter: 'none', delayMs: 1, minRetries: 1, budgetRatio: 0 },
    });
    const fail = async () => {
      throw new Error('down');
    };
    const slow = () => new Promise((r) => setTimeout(r, 5));
    const a = c.execute(slow);
    const b = c.execute(slow).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(50);
    const h = c.execute(fail).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(50);
    await h;
    await Promise.all([a, b]);
    console.log(
      'before',
      JSON.stringify({ r: c.stats().retry, b: c.stats().bulkhead, f: c.stats().failures }),
    );
    c.reset();
    console.log(
      'after reset',
      JSON.stringify({ r: c.stats().retry, b: c.stats().bulkhead, f: c.stats().failures }),
    );
    const g = c.execute(fail).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(50);
    await g;
    console.log('after call', JSON.stringify({ r: c.stats().retry, f: c.stats().failures }));
  });
});
