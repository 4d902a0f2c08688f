// The child side of a soak (see soak.ts): what every soak script shares. Run with --expose-gc.
import { setImmediate } from 'node:timers';

/** Process warnings, reported with the result (MaxListenersExceededWarning among them). */
export const warnings = [];
process.on('warning', (w) => warnings.push({ name: w.name, message: w.message }));

/** The heap in use once garbage collection has run to a fixed point, in bytes. */
export async function settledHeap() {
  let used = Infinity;
  for (let round = 0; round < 10; round++) {
    // Let pending reactions and timers due now run, so that what they hold can go.
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc();
    const now = process.memoryUsage().heapUsed;
    if (now >= used - 64 * 1024) return Math.min(now, used);
    used = now;
  }
  return used;
}

/**
 * Runs `batch` (a number of calls, awaited together) `warmUp` calls' worth, measures the heap,
 * runs `calls` more, measures again: the growth is what those calls left behind.
 */
export async function heapGrowth(batch, batchSize, warmUp, calls) {
  for (let done = 0; done < warmUp; done += batchSize) await batch(done);
  const baseline = await settledHeap();
  for (let done = 0; done < calls; done += batchSize) await batch(warmUp + done);
  const after = await settledHeap();
  return { baseline, after, growth: after - baseline };
}

/** Prints the result line; the script then returns, and the process must end by itself. */
export function report(result) {
  console.log(JSON.stringify({ ...result, warnings }));
}
