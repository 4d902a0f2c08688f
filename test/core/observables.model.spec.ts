import { jest } from '@jest/globals';
import fc from 'fast-check';
import { Observable, type Subscription } from 'rxjs';
import { Circuit, type CircuitOptions } from '../../lib/index.js';
import { guardObservable } from '../../lib/core/observable-call.js';
import { watchLibraryTimers } from './support/library-timers.js';

// Observables through a circuit's policies, driven as production drives them: random
// subscribers of an Observable guarded by a circuit (the path of a decorated method returning
// one), with timeoutMs, retry (with or without deadlineMs) and a bulkhead, each attempt's source
// answering, failing or staying silent after its own time, and subscribers leaving at random
// moments: queued for a place, in a retry delay, mid-attempt, after their value. Not a model of
// every outcome (test/engine/circuit.policies.model.spec.ts is, for promises): the properties
// here are the ones README.md promises for Observables and the issue found broken:
// - one attempt subscribed at a time per subscriber, and a value comes only from the latest one
//   (a timed-out attempt is unsubscribed at its timeout, its late values never arrive);
// - nothing is subscribed for a subscriber that has left;
// - once every subscriber is gone: no source subscribed, no place held in the bulkhead (active
//   and queued 0), no call in flight, no timer of the library keeping the process up, and, once
//   the clock has passed every deadline, no timer of the library at all.

const TIMEOUT_MS = 100;
/** When the run ends: every subscriber still there leaves; every scripted answer is due before. */
const END_MS = 2_000;

type Kind = 'value' | 'stream' | 'complete' | 'error' | 'value then error' | 'silent';

interface Step {
  kind: Kind;
  afterMs: number;
}

interface Config {
  timeout: boolean;
  retry: { attempts: number; delayMs: number; deadlineMs: number | undefined } | undefined;
  bulkhead: { maxConcurrent: number; maxQueued: number } | undefined;
  failureThreshold: number;
  /** Whether the source declares a signal parameter (`@CircuitSignal()`). */
  takesSignal: boolean;
}

interface Script {
  atMs: number;
  /** How long after subscribing it leaves; undefined: at the end of the run. */
  leaveAfterMs: number | undefined;
  /** The n-th attempt does steps[(n - 1) % length]. */
  steps: Step[];
}

/** What one subscriber saw, and what its source saw. */
interface Subscriber {
  subscriptions: number;
  live: number;
  mostLive: number;
  departed: boolean;
  subscribedForNobody: number;
  staleValues: number;
  subscription?: Subscription;
}

function sourceFor(script: Script, seen: Subscriber, takesSignal: boolean) {
  const source = () =>
    new Observable<number>((subscriber) => {
      const attempt = ++seen.subscriptions;
      if (seen.departed) seen.subscribedForNobody++;
      seen.mostLive = Math.max(seen.mostLive, ++seen.live);
      const { kind, afterMs } = script.steps[(attempt - 1) % script.steps.length]!;
      const timer =
        kind === 'silent'
          ? undefined
          : setTimeout(() => {
              if (kind === 'error') return subscriber.error(new Error('down'));
              if (kind === 'complete') return subscriber.complete();
              subscriber.next(attempt);
              if (kind === 'value') subscriber.complete();
              if (kind === 'value then error') subscriber.error(new Error('broke later'));
            }, afterMs);
      return () => {
        clearTimeout(timer);
        seen.live--;
      };
    });
  return takesSignal ? (_signal: AbortSignal | undefined) => source() : source;
}

function optionsOf(config: Config): CircuitOptions {
  const { retry, bulkhead } = config;
  return {
    timeoutMs: config.timeout ? TIMEOUT_MS : undefined,
    retry: retry && {
      attempts: retry.attempts,
      delayMs: retry.delayMs,
      maxDelayMs: retry.delayMs,
      jitter: 'none',
      deadlineMs: retry.deadlineMs,
      minRetries: 1_000,
    },
    maxConcurrent: bulkhead?.maxConcurrent,
    maxQueued: bulkhead?.maxQueued,
    failureThreshold: config.failureThreshold,
    resetTimeoutMs: 50,
  };
}

async function runScripts(config: Config, scripts: Script[], timers: Set<unknown>): Promise<void> {
  const circuit = new Circuit('observables', optionsOf(config));
  const seen: Subscriber[] = scripts.map(() => ({
    subscriptions: 0,
    live: 0,
    mostLive: 0,
    departed: false,
    subscribedForNobody: 0,
    staleValues: 0,
  }));
  const start = Date.now();
  const events: { at: number; run: () => void }[] = [];
  scripts.forEach((script, i) => {
    const subscriber = seen[i]!;
    const leave = () => {
      subscriber.departed = true;
      subscriber.subscription?.unsubscribe();
    };
    events.push({
      at: script.atMs,
      run: () => {
        const observable = guardObservable(
          circuit,
          sourceFor(script, subscriber, config.takesSignal),
        );
        subscriber.subscription = observable.subscribe({
          next: (attempt) => {
            if (attempt !== subscriber.subscriptions) subscriber.staleValues++;
          },
          error: () => {},
        });
        if (script.leaveAfterMs === 0) leave();
      },
    });
    if (script.leaveAfterMs !== undefined && script.leaveAfterMs > 0) {
      events.push({ at: script.atMs + script.leaveAfterMs, run: leave });
    }
  });
  events.sort((a, b) => a.at - b.at); // stable: a subscription before a leave at one instant
  for (const event of events) {
    await jest.advanceTimersByTimeAsync(start + event.at - Date.now());
    event.run();
  }
  await jest.advanceTimersByTimeAsync(start + END_MS - Date.now());
  for (const subscriber of seen) {
    subscriber.departed = true;
    subscriber.subscription?.unsubscribe();
  }
  await jest.advanceTimersByTimeAsync(0);

  const sum = (field: keyof Omit<Subscriber, 'departed' | 'subscription'>) =>
    seen.reduce((total, subscriber) => total + subscriber[field], 0);
  const stats = circuit.stats();
  const after = {
    live: sum('live'),
    mostLive: Math.max(0, ...seen.map((s) => s.mostLive)),
    subscribedForNobody: sum('subscribedForNobody'),
    staleValues: sum('staleValues'),
    inFlight: stats.inFlight,
    bulkhead: stats.bulkhead && { active: stats.bulkhead.active, queued: stats.bulkhead.queued },
    timersKeepingTheProcessUp: [...timers].filter((t) => (t as NodeJS.Timeout).hasRef()).length,
  };
  const expected = {
    live: 0,
    mostLive: Math.min(after.mostLive, 1),
    subscribedForNobody: 0,
    staleValues: 0,
    inFlight: 0,
    bulkhead: config.bulkhead ? { active: 0, queued: 0 } : null,
    timersKeepingTheProcessUp: 0,
  };
  if (JSON.stringify(after) !== JSON.stringify(expected)) expect(after).toEqual(expected);

  // Past every deadline: whatever the library armed has fired or was cleared.
  const subscriptions = sum('subscriptions');
  await jest.advanceTimersByTimeAsync(10 * END_MS);
  if (timers.size !== 0 || sum('subscriptions') !== subscriptions) {
    expect({ timers: timers.size, subscriptions: sum('subscriptions') }).toEqual({
      timers: 0,
      subscriptions,
    });
  }
  circuit.dispose();
}

const steps = fc.record<Step>({
  kind: fc.constantFrom<Kind>(
    'value',
    'value',
    'stream',
    'complete',
    'error',
    'error',
    'value then error',
    'silent',
  ),
  afterMs: fc.constantFrom(5, 30, 80, 150),
});

const scripts = fc.record<Script>({
  atMs: fc.constantFrom(0, 0, 10, 45, 90),
  leaveAfterMs: fc.option(fc.constantFrom(0, 3, 8, 20, 35, 60, 110, 200, 500), { nil: undefined }),
  steps: fc.array(steps, { minLength: 1, maxLength: 3 }),
});

const configs = fc.record<Config>({
  timeout: fc.boolean(),
  retry: fc.option(
    fc.record({
      attempts: fc.integer({ min: 1, max: 3 }),
      delayMs: fc.constantFrom(10, 40, 250),
      deadlineMs: fc.option(fc.constantFrom(130, 400), { nil: undefined }),
    }),
    { nil: undefined, freq: 3 },
  ),
  bulkhead: fc.option(
    fc.record({
      maxConcurrent: fc.integer({ min: 1, max: 2 }),
      maxQueued: fc.integer({ min: 0, max: 2 }),
    }),
    { nil: undefined, freq: 3 },
  ),
  failureThreshold: fc.constantFrom(2, 1_000),
  takesSignal: fc.boolean(),
});

const RUNS = Number(process.env.MODEL_RUNS ?? 1_000);

describe('Observables through timeoutMs, retry and a bulkhead, with subscribers leaving at random', () => {
  let timers: ReturnType<typeof watchLibraryTimers>;
  beforeEach(() => {
    jest.useFakeTimers();
    timers = watchLibraryTimers();
  });
  afterEach(() => {
    timers.restore();
    jest.useRealTimers();
  });

  it(
    'leaves nothing subscribed, no place held and no timer behind',
    async () => {
      await fc.assert(
        fc.asyncProperty(configs, fc.array(scripts, { minLength: 1, maxLength: 5 }), (c, s) =>
          runScripts(c, s, timers.pending),
        ),
        { numRuns: RUNS },
      );
    },
    Math.max(60_000, RUNS * 50),
  );
});
