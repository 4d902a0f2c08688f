import {
  bulkhead,
  circuitBreaker,
  ConsecutiveBreaker,
  CountBreaker,
  handleAll,
  type IBreaker,
  retry,
  wrap,
} from 'cockatiel';
import { Circuit } from 'nestjs-circuit-breaker';
import { bareCase, loopCase as loop, work, type CaseGroup } from './measure.js';

const FAR = 1_000_000_000;
const breaker = (inner: IBreaker = new ConsecutiveBreaker(5)) =>
  circuitBreaker(handleAll, { halfOpenAfter: FAR, breaker: inner });

/**
 * The policies beside the breaker, each on a call that succeeds (their cost on the path every
 * call takes), against cockatiel composing the same policies with its breaker.
 */
export function policyBench(): CaseGroup {
  const defaults = new Circuit('defaults');
  const retrying = new Circuit('retry', { retry: { attempts: 3 } });
  const bulkheaded = new Circuit('bulkhead', { maxConcurrent: 10, maxQueued: 10 });
  const counted = new Circuit('count', { failureRateThreshold: 0.5, windowType: 'count' });
  const timed = new Circuit('timed', { timeoutMs: 1_000 });
  const adaptive = new Circuit('adaptive', {
    timeoutMs: { percentile: 0.99, minMs: 50, maxMs: 1_000 },
  });
  const cockatielRetry = wrap(retry(handleAll, { maxAttempts: 2 }), breaker());
  const cockatielBulkhead = wrap(bulkhead(10, 10), breaker());
  const cockatielCount = breaker(new CountBreaker({ threshold: 0.5, size: 100 }));

  return {
    cases: [
      bareCase(),
      loop('Circuit.execute, defaults', () => defaults.execute(work)),
      loop('Circuit.execute, retry', () => retrying.execute(work)),
      loop('cockatiel retry + breaker', () => cockatielRetry.execute(work)),
      loop('Circuit.execute, bulkhead', () => bulkheaded.execute(work)),
      loop('cockatiel bulkhead + breaker', () => cockatielBulkhead.execute(work)),
      loop('Circuit.execute, count window', () => counted.execute(work)),
      loop('cockatiel CountBreaker', () => cockatielCount.execute(work)),
      loop('Circuit.execute, timeoutMs', () => timed.execute(work)),
      loop('Circuit.execute, adaptive timeout', () => adaptive.execute(work)),
    ],
    comparisons: [
      { ours: 'Circuit.execute, retry', peer: 'cockatiel retry + breaker' },
      { ours: 'Circuit.execute, bulkhead', peer: 'cockatiel bulkhead + breaker' },
      { ours: 'Circuit.execute, count window', peer: 'cockatiel CountBreaker' },
      { ours: 'Circuit.execute, adaptive timeout', peer: 'Circuit.execute, timeoutMs' },
      { ours: 'Circuit.execute, retry', peer: 'Circuit.execute, defaults' },
      { ours: 'Circuit.execute, bulkhead', peer: 'Circuit.execute, defaults' },
      { ours: 'Circuit.execute, count window', peer: 'Circuit.execute, defaults' },
    ],
  };
}
