// The Observable soak's child process (run with --expose-gc by observables.soak.spec.ts): 100,000
// subscriptions of decorated methods returning Observables, in a Nest application, through each
// option combination that holds state per call. For each, the heap after GC is read once the
// warm-up is done and again after the calls; the last line printed is the JSON result. The
// process then ends on its own: nothing of the library may keep it up.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitSignal,
} from 'nestjs-circuit-breaker';
import { getEventListeners } from 'node:events';
import { clearInterval, setInterval } from 'node:timers';
import { setImmediate } from 'node:timers/promises';
import { Observable } from 'rxjs';

const CALLS = Number(process.env.SOAK_CALLS ?? 100_000);
const WARM_UP = 10_000;
const never = 1_000_000_000; // no trip: every call must run

/** An answer after a promise reaction, as most I/O answers: never in the subscribe call. */
const later = (value) =>
  new Observable((subscriber) => {
    let live = true;
    Promise.resolve().then(() => {
      if (!live) return;
      subscriber.next(value);
      subscriber.complete();
    });
    return () => (live = false);
  });

// The sources, per attempt: each attempt calls the method again, with the same call's record.
/** Answers every attempt. */
const answers = (call) => later(call.value);
/** Fails its call's first attempt at once, answers the next. */
const flaky = (call) =>
  call.attempts++ === 0
    ? new Observable((subscriber) => subscriber.error(new Error('flaky')))
    : later(call.value);
/** What silent sources hold while subscribed, as a request holds its socket: 1 KB each. */
const held = new Set();
const silent = () =>
  new Observable(() => {
    const resource = new Uint8Array(1_024);
    held.add(resource);
    return () => held.delete(resource);
  });
/** Stays silent on its call's first attempt (it times out), answers the next. */
const slowFirst = (call) => (call.attempts++ === 0 ? silent() : later(call.value));

const retry = (more = {}) => ({
  attempts: 3,
  delayMs: 0,
  maxDelayMs: 0,
  jitter: 'none',
  budgetRatio: 1,
  minRetries: never,
  ...more,
});

// Each scenario: a method of the client, its options, and how many subscribers at once.
const SCENARIOS = {
  timeoutMs: { source: answers, concurrent: 100, options: { timeoutMs: 1_000 } },
  'timeoutMs + retry': {
    source: flaky,
    concurrent: 100,
    options: { timeoutMs: 1_000, retry: retry() },
  },
  'timeoutMs + retry.deadlineMs': {
    source: flaky,
    concurrent: 100,
    options: { timeoutMs: 1_000, retry: retry({ deadlineMs: 5_000 }) },
  },
  'timed-out attempts, retried': {
    source: slowFirst,
    concurrent: 1_000,
    options: { timeoutMs: 2, retry: retry() },
  },
  'bulkhead + retry + timeoutMs, a fifth leaving early': {
    source: flaky,
    concurrent: 50,
    leaving: 5,
    options: {
      timeoutMs: 1_000,
      retry: retry(),
      maxConcurrent: 4,
      maxQueued: 1_000,
    },
  },
  // An app's signal passed to every call in its `@CircuitSignal()` place, never aborted: each
  // call follows it while it runs, and must leave nothing on it.
  'a long-lived caller signal, timeoutMs + retry, a fifth leaving early': {
    source: flaky,
    concurrent: 100,
    leaving: 5,
    callerSignal: true,
    options: { timeoutMs: 1_000, retry: retry() },
  },
};

/** The app's signal, for the scenarios that pass one. */
const appSignal = new globalThis.AbortController().signal;

class Client {}
for (const [name, { source, options, callerSignal }] of Object.entries(SCENARIOS)) {
  Client.prototype[name] = function (call, _signal) {
    return source(call);
  };
  if (callerSignal) CircuitSignal()(Client.prototype, name, 1);
  // What TypeScript records for `name(call: Call): Observable<number>`.
  Reflect.defineMetadata('design:returntype', Observable, Client.prototype, name);
  const descriptor = Object.getOwnPropertyDescriptor(Client.prototype, name);
  const decorate = CircuitBreaker({ name, failureThreshold: never, ...options });
  Object.defineProperty(Client.prototype, name, decorate(Client.prototype, name, descriptor));
}
Injectable()(Client);

class AppModule {}
Module({ imports: [CircuitBreakerModule.forRoot()], providers: [Client] })(AppModule);

/** One subscription: resolves when it answers (or at once when the subscriber leaves). */
function subscribeOnce(client, name, value, leaves) {
  return new Promise((resolve, reject) => {
    const signal = SCENARIOS[name].callerSignal ? appSignal : undefined;
    const subscription = client[name]({ value, attempts: 0 }, signal).subscribe({
      complete: resolve,
      error: reject,
    });
    if (leaves) {
      subscription.unsubscribe();
      resolve();
    }
  });
}

async function run(client, name, calls) {
  const { concurrent, leaving } = SCENARIOS[name];
  for (let done = 0; done < calls; done += concurrent) {
    const batch = [];
    for (let i = 0; i < concurrent; i++) {
      batch.push(subscribeOnce(client, name, i, leaving !== undefined && i % leaving === 0));
    }
    await Promise.all(batch);
  }
}

async function heapAfterGc() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await setImmediate();
  }
  return process.memoryUsage().heapUsed;
}

// The library keeps no process alive for a call in flight (only a pending retry delay does): a
// real source holds a socket that does. These sources hold nothing, so the run holds the process
// up itself, and lets go before the end: what is left must not keep it up.
const running = setInterval(() => {}, 1_000);
const nest = await NestFactory.createApplicationContext(AppModule, { logger: false });
const client = nest.get(Client);
const registry = nest.get(CircuitBreakerRegistry);
const result = {};
for (const name of Object.keys(SCENARIOS)) {
  await run(client, name, WARM_UP);
  const before = await heapAfterGc();
  await run(client, name, CALLS);
  const after = await heapAfterGc();
  const stats = registry.get(name).stats();
  result[name] = {
    calls: CALLS,
    heapGrowthBytes: after - before,
    inFlight: stats.inFlight,
    bulkhead: stats.bulkhead && { active: stats.bulkhead.active, queued: stats.bulkhead.queued },
    successes: stats.successes,
    sourcesStillSubscribed: held.size,
    retries: stats.retry?.retries ?? 0,
    callerSignalListeners: getEventListeners(appSignal, 'abort').length,
  };
}
await nest.close();
clearInterval(running);
console.log(JSON.stringify(result));
