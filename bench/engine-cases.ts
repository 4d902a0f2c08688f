import { circuitBreaker, ConsecutiveBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import OpossumBreaker from 'opossum';
import { Circuit } from 'nestjs-circuit-breaker';
import {
  bareCase,
  CALLS_PER_RUN,
  loopCase as loop,
  rejectLoop,
  work,
  type BenchCase,
  type CaseGroup,
} from './measure.js';

const fail = async (): Promise<never> => {
  throw new Error('down');
};
const FAR = 1_000_000_000;

/** Named cases, and the comparisons the issue sets targets for. */
export interface EngineBench extends CaseGroup {
  teardown: () => void;
}

export async function engineBench(): Promise<EngineBench> {
  const defaults = new Circuit('defaults');
  const rated = new Circuit('rated', { failureRateThreshold: 0.5, windowMs: 10_000 });
  const timed = new Circuit('timed', { timeoutMs: 1_000 });
  const noHistory = new Circuit('no-history', { historySize: 0 });
  const latency = new Circuit('latency', { trackLatency: true });
  const open = new Circuit('open', { resetTimeoutMs: FAR, failureThreshold: 1 });
  await open.execute(fail).catch(() => undefined);

  const consecutive = circuitBreaker(handleAll, {
    halfOpenAfter: FAR,
    breaker: new ConsecutiveBreaker(5),
  });
  const sampling = circuitBreaker(handleAll, {
    halfOpenAfter: FAR,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
  });
  const cockatielOpen = circuitBreaker(handleAll, {
    halfOpenAfter: FAR,
    breaker: new ConsecutiveBreaker(1),
  });
  await cockatielOpen.execute(fail).catch(() => undefined);

  const opossum = new OpossumBreaker(work, { timeout: false });
  const opossumTimed = new OpossumBreaker(work, { timeout: 1_000 });
  const opossumOpen = new OpossumBreaker(work, { timeout: false, resetTimeout: FAR });
  opossumOpen.open();

  const rejecting = (name: string, call: () => unknown): BenchCase => ({
    name,
    run: rejectLoop(CALLS_PER_RUN, call),
    callsPerRun: CALLS_PER_RUN,
  });

  return {
    cases: [
      bareCase(),
      loop('Circuit.execute, defaults', () => defaults.execute(work)),
      loop('Circuit.execute, failureRateThreshold', () => rated.execute(work)),
      loop('Circuit.execute, timeoutMs', () => timed.execute(work)),
      loop('Circuit.execute, history off', () => noHistory.execute(work)),
      loop('Circuit.execute, latency on', () => latency.execute(work)),
      rejecting('Circuit.execute, open (rejects)', () => open.execute(work)),
      loop('cockatiel ConsecutiveBreaker', () => consecutive.execute(work)),
      loop('cockatiel SamplingBreaker', () => sampling.execute(work)),
      rejecting('cockatiel, open (rejects)', () => cockatielOpen.execute(work)),
      loop('opossum, no timeout', () => opossum.fire()),
      loop('opossum, timeout', () => opossumTimed.fire()),
      rejecting('opossum, open (rejects)', () => opossumOpen.fire()),
    ],
    comparisons: [
      { ours: 'Circuit.execute, defaults', peer: 'cockatiel ConsecutiveBreaker', target: 0.6 },
      {
        ours: 'Circuit.execute, failureRateThreshold',
        peer: 'cockatiel SamplingBreaker',
        target: 0.6,
      },
      { ours: 'Circuit.execute, timeoutMs', peer: 'opossum, timeout', target: 0.3 },
      { ours: 'Circuit.execute, open (rejects)', peer: 'cockatiel, open (rejects)', target: 0.25 },
      // History is on by default; it is written on state changes only.
      { ours: 'Circuit.execute, defaults', peer: 'Circuit.execute, history off', target: 1.1 },
      { ours: 'Circuit.execute, latency on', peer: 'Circuit.execute, defaults', target: 1.1 },
    ],
    teardown: () => {
      for (const breaker of [opossum, opossumTimed, opossumOpen]) breaker.shutdown();
    },
  };
}
