import { circuitBreaker, ConsecutiveBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import OpossumBreaker from 'opossum';
import { Circuit } from 'nestjs-circuit-breaker';
import { printTable } from './measure.js';

const COUNT = Number(process.env.BENCH_CIRCUITS ?? 10_000);
const TARGET_BYTES = 512;
const LATENCY_TARGET_BYTES = 2_048;
const work = async (): Promise<number> => 1;

interface MemoryCase {
  name: string;
  /** Makes one breaker and uses it once (a breaker that allocates on first use pays it here). */
  make: (name: string) => Promise<unknown>;
  /** Frees what the breakers hold beyond memory (opossum's intervals). */
  dispose?: (breakers: unknown[]) => void;
  target?: number;
}

const cases: MemoryCase[] = [
  {
    name: 'Circuit, defaults',
    make: async (name) => {
      const circuit = new Circuit(name);
      await circuit.execute(work);
      return circuit;
    },
    target: TARGET_BYTES,
  },
  {
    name: 'Circuit, failure-rate window',
    make: async (name) => {
      const circuit = new Circuit(name, { failureRateThreshold: 0.5 });
      await circuit.execute(work);
      return circuit;
    },
    target: TARGET_BYTES,
  },
  {
    name: 'Circuit, count window (100 calls)',
    make: async (name) => {
      const circuit = new Circuit(name, { failureRateThreshold: 0.5, windowType: 'count' });
      await circuit.execute(work);
      return circuit;
    },
    target: TARGET_BYTES,
  },
  {
    name: 'Circuit, rate + slow-call window',
    make: async (name) => {
      const circuit = new Circuit(name, {
        failureRateThreshold: 0.5,
        slowCallDurationMs: 1_000,
        slowCallRateThreshold: 0.5,
      });
      await circuit.execute(work);
      return circuit;
    },
    target: LATENCY_TARGET_BYTES, // a slow-call rule times calls: its latency is kept too
  },
  {
    name: 'Circuit, latency on',
    make: async (name) => {
      const circuit = new Circuit(name, { trackLatency: true });
      await circuit.execute(work);
      return circuit;
    },
    target: LATENCY_TARGET_BYTES,
  },
  {
    name: 'Circuit, retry and bulkhead',
    make: async (name) => {
      const circuit = new Circuit(name, { retry: { attempts: 3 }, maxConcurrent: 10 });
      await circuit.execute(work);
      return circuit;
    },
  },
  {
    name: 'Circuit, adaptive timeout',
    make: async (name) => {
      const circuit = new Circuit(name, {
        timeoutMs: { percentile: 0.99, minMs: 50, maxMs: 1_000 },
      });
      await circuit.execute(work);
      return circuit;
    },
  },
  {
    name: 'Circuit, after 10 state changes (history)',
    make: async (name) => {
      const circuit = new Circuit(name);
      await circuit.execute(work);
      for (let i = 0; i < 5; i++) {
        circuit.forceOpen();
        circuit.release();
      }
      return circuit;
    },
  },
  {
    name: 'cockatiel ConsecutiveBreaker',
    make: async () => {
      const breaker = circuitBreaker(handleAll, {
        halfOpenAfter: 30_000,
        breaker: new ConsecutiveBreaker(5),
      });
      await breaker.execute(work);
      return breaker;
    },
  },
  {
    name: 'cockatiel SamplingBreaker',
    make: async () => {
      const breaker = circuitBreaker(handleAll, {
        halfOpenAfter: 30_000,
        breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
      });
      await breaker.execute(work);
      return breaker;
    },
  },
  {
    name: 'opossum',
    make: async () => {
      const breaker = new OpossumBreaker(work, { timeout: false });
      await breaker.fire();
      return breaker;
    },
    dispose: (breakers) => breakers.forEach((b) => (b as OpossumBreaker).shutdown()),
  },
];

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc (npm run bench does)');
  collect();
  collect();
};
const used = (): number => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const timers = (): number =>
  process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

/**
 * Retained memory per breaker, `COUNT` breakers kept alive at once, each used once; and the
 * timers they leave running (`process.getActiveResourcesInfo()`, after their calls settled).
 */
export async function memoryBench(): Promise<void> {
  const rows: string[][] = [];
  for (const c of cases) {
    const breakers: unknown[] = new Array<unknown>(COUNT).fill(undefined);
    // The names are the caller's strings: made before measuring, as for breakers without names.
    const names = Array.from({ length: COUNT }, (_, i) => `circuit-${i}`);
    gc();
    const heapBefore = used();
    const timersBefore = timers();
    for (let i = 0; i < COUNT; i++) breakers[i] = await c.make(names[i]!);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const bytes = (used() - heapBefore) / COUNT;
    const timersLeft = timers() - timersBefore;
    rows.push([
      c.name,
      bytes.toFixed(0),
      String(timersLeft),
      c.target === undefined ? '' : `≤ ${c.target} B, no timers`,
      c.target === undefined ? '' : bytes <= c.target && timersLeft === 0 ? 'met' : 'MISSED',
    ]);
    c.dispose?.(breakers);
    breakers.fill(undefined);
  }
  console.log(`Retained memory, ${COUNT} breakers alive at once, each used once`);
  printTable(['per breaker', 'bytes', 'timers', 'target', ''], rows);
}
