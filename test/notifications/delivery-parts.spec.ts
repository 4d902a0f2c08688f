import { jest } from '@jest/globals';
import { DeliveryQueue } from '../../lib/notifications/delivery-queue.js';
import { FlapDamper } from '../../lib/notifications/flap-damper.js';
import { retryDelayMs } from '../../lib/notifications/retry-delay.js';

// The parts of delivery that decide on numbers alone, checked on their own.

describe('retryDelayMs (exponential backoff, full jitter)', () => {
  it('draws below a bound that doubles from the base up to the cap', () => {
    const highest = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5].map((retry) => retryDelayMs(retry, 100, 1_000, 0, highest))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(retryDelayMs(3, 100, 1_000, 0, () => 0)).toBe(0);
    expect(retryDelayMs(1, 100, 1_000, 0, () => 0.5)).toBe(100);
  });

  it('waits at least what Retry-After asks, within the cap', () => {
    expect(retryDelayMs(0, 100, 1_000, 700, () => 0)).toBe(700);
    expect(retryDelayMs(0, 100, 1_000, 60_000, () => 0)).toBe(1_000);
  });
});

describe('DeliveryQueue', () => {
  it('keeps the newest items up to its capacity, handing back each one it drops', () => {
    const queue = new DeliveryQueue<number>(3);
    const dropped = [1, 2, 3, 4, 5].map((n) => queue.push(`c${n % 2}`, n));
    expect(dropped).toEqual([undefined, undefined, undefined, 1, 2]);
    expect(queue.length).toBe(3);
    expect([queue.has('c1'), queue.has('c0')]).toEqual([true, true]);
    expect([queue.shift()?.item, queue.shift()?.item]).toEqual([3, 4]);
    expect(queue.has('c0')).toBe(false);
    expect(queue.clear()).toBe(1);
    expect(queue.shift()).toBeUndefined();
  });
});

describe('FlapDamper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('lets one item per key through per interval, then the latest, folded', () => {
    const released: string[] = [];
    const damper = new FlapDamper<string>(
      1_000,
      (later, earlier) => `${later}<${earlier}`,
      (key, item) => released.push(`${key}:${item}`),
    );
    const now = () => performance.now();
    damper.offer('a', 'open', now());
    damper.offer('a', 'half_open', now());
    damper.offer('b', 'open', now());
    damper.offer('a', 'closed', now());
    expect(released).toEqual(['a:open', 'b:open']);
    jest.advanceTimersByTime(999);
    expect(released).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(released).toEqual(['a:open', 'b:open', 'a:closed<half_open']);
    // A full interval later, the next goes at once.
    jest.advanceTimersByTime(1_000);
    damper.offer('a', 'open', now());
    expect(released.at(-1)).toBe('a:open');
    damper.offer('a', 'closed', now());
    damper.flush();
    expect(released.at(-1)).toBe('a:closed');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('with an interval of 0, lets every item through', () => {
    const released: string[] = [];
    const damper = new FlapDamper<string>(
      0,
      (later) => later,
      (_key, item) => released.push(item),
    );
    for (const item of ['open', 'half_open', 'closed']) damper.offer('a', item, performance.now());
    expect(released).toEqual(['open', 'half_open', 'closed']);
  });
});
