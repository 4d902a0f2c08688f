// One engine soak (see ../engine.soak.spec.ts): `node --expose-gc engine-soak.mjs <combination>
// <calls>`. Every combination of options that holds state per call. Deadlines are long (a
// minute), and the script ends with calls that never answer, running or waiting for the
// bulkhead: a timer of ours that keeps a process alive would hold it a minute past its result.
import { Circuit } from 'nestjs-circuit-breaker/engine';
import { heapGrowth, report } from './measure-heap.mjs';

const [combination, callsArg] = process.argv.slice(2);
const calls = Number(callsArg);
const MINUTE = 60_000;
/** Calls awaited together: more than an EventTarget's 10 listeners before Node warns. */
const BATCH = 100;

// A long-lived signal: an app's shutdown signal, or a request's shared by a batch of calls.
const app = new globalThis.AbortController();
// What fetch() and most clients do with the signal they get: listen for its abort. The signal
// is the call's own, so a function need not remove its listener.
const listen = (signal) => {
  signal?.addEventListener('abort', () => {}, { once: true });
  return signal === undefined ? 0 : 1;
};
const answer = async (signal) => listen(signal);
const hang = () => new Promise(() => {});
// The first attempt of every 20th call fails, its retry succeeds.
const failsFirst = (i) => {
  let attempts = 0;
  return async (signal) => {
    if (++attempts === 1 && i % 20 === 0) throw new Error('flaky');
    return listen(signal);
  };
};

const COMBINATIONS = {
  'timeoutMs without a caller signal': () => {
    const circuit = new Circuit('soak', { timeoutMs: MINUTE });
    return (fn = answer) => circuit.execute(fn);
  },
  'timeoutMs with a per-call caller signal': () => {
    const circuit = new Circuit('soak', { timeoutMs: MINUTE });
    return (fn = answer) =>
      circuit.execute(fn, { signal: new globalThis.AbortController().signal });
  },
  'a long-lived caller signal': () => {
    const circuit = new Circuit('soak', { timeoutMs: MINUTE });
    return (fn = answer) => circuit.execute(fn, { signal: app.signal });
  },
  // The README's retry example: timeoutMs per attempt, deadlineMs for the whole, a function
  // that takes the signal (a @CircuitSignal() parameter: wrap's signalAt).
  'retry with deadlineMs': () => {
    const circuit = new Circuit('soak', {
      timeoutMs: MINUTE,
      retry: { attempts: 3, delayMs: 1, maxDelayMs: 2, deadlineMs: MINUTE, budgetRatio: 0.5 },
    });
    const quote = circuit.wrap((fn, signal) => fn(signal), { signalAt: 1 });
    return (fn, i) => quote(fn ?? failsFirst(i), undefined);
  },
  'bulkhead + retry + timeoutMs, a long-lived signal': () => {
    const circuit = new Circuit('soak', {
      timeoutMs: MINUTE,
      maxConcurrent: 4,
      maxQueued: BATCH,
      retry: { attempts: 3, delayMs: 1, maxDelayMs: 2, budgetRatio: 0.5 },
    });
    return (fn, i) => circuit.execute(fn ?? failsFirst(i), { signal: app.signal });
  },
  'adaptive timeout': () => {
    const circuit = new Circuit('soak', {
      timeoutMs: { percentile: 0.99, minMs: MINUTE / 2, maxMs: MINUTE },
    });
    return (fn = answer) => circuit.execute(fn);
  },
};

const make = COMBINATIONS[combination];
if (make === undefined) throw new Error(`no combination "${combination}"`);
const call = make();
let failed = 0;
const batch = async (first) => {
  const pending = [];
  for (let i = first; i < first + BATCH; i++) pending.push(call(undefined, i));
  for (const outcome of await Promise.allSettled(pending)) {
    if (outcome.status === 'rejected') failed++;
  }
};
const heap = await heapGrowth(batch, BATCH, Math.max(BATCH, calls / 10), calls);
report({ combination, calls, failed, ...heap });
// Left running, or waiting for a place (the bulkhead has 4): nothing of ours may keep the
// process up for them.
for (let i = 0; i < 5; i++) call(hang, 1).catch(() => {});
