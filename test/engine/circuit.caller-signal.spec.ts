import { getEventListeners } from 'node:events';
import { Circuit } from '../../lib/index.js';

// A caller's signal outlives its calls: an app's shutdown signal, a request's signal shared by a
// batch. Whatever a call hangs on it must go when the call settles, and however many calls share
// it, it carries one listener of the library's at most (EventTarget warns past 10). The heap
// itself is measured in test/soak/engine.soak.spec.ts; here, what the signal holds.

/** What hangs on `signal`: its abort listeners, and signals composed from it (AbortSignal.any). */
function hungOn(signal: AbortSignal): { listeners: number; dependants: number } {
  const dependants = Object.getOwnPropertySymbols(signal)
    .filter((key) => key.description === 'kDependantSignals')
    .map((key) => (signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]);
  return {
    listeners: getEventListeners(signal, 'abort').length,
    dependants: dependants.reduce((sum, set) => sum + (set?.size ?? 0), 0),
  };
}

/** A call that answers when released. */
function gate() {
  const releases: Array<() => void> = [];
  const fn = (signal: AbortSignal | undefined) =>
    new Promise<boolean>((resolve) => releases.push(() => resolve(signal?.aborted ?? false)));
  return { fn, releaseAll: () => releases.splice(0).forEach((release) => release()) };
}

const NOTHING = { listeners: 0, dependants: 0 };

describe.each([
  ['timeoutMs', { timeoutMs: 60_000 }],
  ['timeoutMs + retry.deadlineMs', { timeoutMs: 60_000, retry: { deadlineMs: 60_000 } }],
  [
    'bulkhead + retry + timeoutMs',
    { timeoutMs: 60_000, maxConcurrent: 5, maxQueued: 100, retry: { attempts: 3 } },
  ],
  ['no option that holds a call', {}],
])('a long-lived caller signal, %s', (_name, options) => {
  it('holds one listener of the library at most while 20 calls run or wait, nothing once they settle', async () => {
    const circuit = new Circuit('inventory', options);
    const app = new AbortController();
    const dependency = gate();
    const calls = Array.from({ length: 20 }, () =>
      circuit.execute(dependency.fn, { signal: app.signal }),
    );
    await Promise.resolve(); // past the first reactions: every call is running or waiting
    const held = hungOn(app.signal);
    expect(held.listeners).toBeLessThanOrEqual(1);
    expect(held.dependants).toBe(0);
    for (let released = 0; released < 20; released += 5) {
      dependency.releaseAll();
      await new Promise((resolve) => setImmediate(resolve)); // the next ones are let in
    }
    expect(await Promise.all(calls)).toEqual(Array(20).fill(false));
    expect(hungOn(app.signal)).toEqual(NOTHING);
  });

  it('wrap with signalAt: nothing left on the signal passed in its place', async () => {
    const circuit = new Circuit('inventory', options);
    const app = new AbortController();
    const search = circuit.wrap(async (query: string, signal?: AbortSignal) => [query, signal], {
      signalAt: 1,
    });
    for (let i = 0; i < 50; i++) await search('sku', app.signal);
    expect(hungOn(app.signal)).toEqual(NOTHING);
  });

  it('still aborts the function’s signal, with its reason, when the caller’s aborts mid-call', async () => {
    const circuit = new Circuit('inventory', options);
    const app = new AbortController();
    let seen: AbortSignal | undefined;
    const call = circuit
      .execute(
        (signal) => {
          seen = signal;
          return new Promise((_resolve, reject) =>
            signal!.addEventListener('abort', () => reject(signal!.reason as Error), {
              once: true,
            }),
          );
        },
        { signal: app.signal },
      )
      .catch((e: unknown) => e);
    await Promise.resolve();
    const reason = new Error('shutting down');
    app.abort(reason);
    expect(seen!.aborted).toBe(true);
    expect(seen!.reason).toBe(reason);
    expect(await call).toBe(reason);
    expect(hungOn(app.signal)).toEqual(NOTHING);
  });
});

describe('a per-call caller signal', () => {
  it('is not composed into a signal that lives on: nothing hangs on it once the call settled', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 60_000 });
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    await circuit.execute(
      async (signal) => {
        seen = signal;
        signal!.addEventListener('abort', () => {}); // as fetch() does
      },
      { signal: caller.signal },
    );
    expect(hungOn(caller.signal)).toEqual(NOTHING);
    caller.abort();
    expect(seen!.aborted).toBe(false); // the settled call's signal no longer follows it
  });
});
