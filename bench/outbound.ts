import 'reflect-metadata';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent, Dispatcher, fetch as undiciFetch, setGlobalDispatcher } from 'undici';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  circuitBreakerDispatcher,
  circuitBreakerInterceptor,
} from 'nestjs-circuit-breaker';
import { formatNs, formatRatio, median, printTable } from './measure.js';

const ROUNDS = Number(process.env.BENCH_OUTBOUND_ROUNDS ?? 9);
const SECONDS = Number(process.env.BENCH_OUTBOUND_SECONDS ?? 2);
const CONCURRENCY = 16;
const TARGET = 0.97;

/**
 * Outbound protection (#21): requests/s through `HttpService`, undici's `fetch` and Node's own
 * global `fetch` against a loopback keep-alive server, plain and protected, alternating A B A B…
 * over `ROUNDS` rounds; then the protection's own per-request cost (the origin's lookup
 * included), and the memory one origin's circuit takes.
 */
export async function outboundBench(): Promise<void> {
  await memoryPerOrigin(); // first: before the other cases leave garbage behind
  const upstream = fork(fileURLToPath(new URL('./outbound-upstream.js', import.meta.url)));
  try {
    const { url } = await new Promise<{ url: string }>((resolve) =>
      upstream.once('message', (message) => resolve(message as { url: string })),
    );
    await throughput(url);
  } finally {
    upstream.kill();
  }
  await lookupCost();
}

async function throughput(url: string): Promise<void> {
  // Created before the module protects axios's default instance, whose defaults it would copy.
  const plainAxios = axios.create({ adapter: 'http' });
  // The global dispatcher `fetch: 'global'` wraps: an Agent like the plain cases' own.
  const globalAgent = new Agent({ keepAliveTimeout: 60_000 });
  setGlobalDispatcher(globalAgent);
  @Module({
    imports: [
      HttpModule,
      CircuitBreakerModule.forRoot({ outbound: { httpService: true, fetch: 'global' } }),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  const http = app.get(HttpService);
  const registry = app.get(CircuitBreakerRegistry);
  const agent = new Agent({ keepAliveTimeout: 60_000 });
  const protectedAgent = new Agent({ keepAliveTimeout: 60_000 }).compose(
    circuitBreakerInterceptor(registry),
  );
  // undici's own cost of composing any interceptor (its handler wrapping, its Proxy), to tell
  // apart from the circuit's.
  const passThrough = new Agent({ keepAliveTimeout: 60_000 }).compose(
    (dispatch) => (options, handler) => dispatch(options, handler),
  );
  // A wrapper (no compose()), as `fetch: 'global'` installs; and one that does nothing.
  const wrapped = circuitBreakerDispatcher(registry, new Agent({ keepAliveTimeout: 60_000 }));
  const passThroughWrapper = new PassThrough(new Agent({ keepAliveTimeout: 60_000 }));
  const nodeFetch = globalThis.fetch;
  const viaFetch = (dispatcher: unknown) => async () => {
    const response = await undiciFetch(`${url}/stock`, {
      dispatcher: dispatcher as Agent,
    });
    await response.arrayBuffer();
  };
  const cases = {
    'axios, plain': async () => void (await plainAxios.get(`${url}/stock`)),
    'HttpService, protected': async () => void (await http.axiosRef.get(`${url}/stock`)),
    'fetch (undici), plain': viaFetch(agent),
    'fetch (undici), pass-through interceptor': viaFetch(passThrough),
    'fetch (undici), protected (compose)': viaFetch(protectedAgent),
    'fetch (undici), pass-through wrapper': viaFetch(passThroughWrapper),
    'fetch (undici), circuitBreakerDispatcher': viaFetch(wrapped),
    'global fetch (Node), plain': async () => {
      const response = await nodeFetch(`${url}/stock`, {
        dispatcher: agent,
      } as unknown as RequestInit);
      await response.arrayBuffer();
    },
    "global fetch (Node), fetch: 'global'": async () => {
      const response = await nodeFetch(`${url}/stock`);
      await response.arrayBuffer();
    },
  };
  const names = Object.keys(cases) as Array<keyof typeof cases>;
  for (const name of names) await requestsPerSecond(cases[name], 0.5); // warm-up
  const rps = new Map(names.map((name) => [name, [] as number[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) rps.get(name)!.push(await requestsPerSecond(cases[name], SECONDS));
  }
  const ratio = (ours: keyof typeof cases, plain: keyof typeof cases) =>
    median(rps.get(ours)!.map((r, round) => r / rps.get(plain)![round]!));
  const row = (name: keyof typeof cases, plain?: keyof typeof cases) => {
    const value = plain === undefined ? 1 : ratio(name, plain);
    return [
      name,
      median(rps.get(name)!).toFixed(0),
      formatRatio(value),
      plain === undefined ? '' : `≥ ${formatRatio(TARGET)}`,
      plain === undefined ? '' : value >= TARGET ? 'met' : 'MISSED',
    ];
  };
  console.log(
    `\nOutbound HTTP, loopback keep-alive, ${CONCURRENCY} requests in flight, ${ROUNDS} rounds of ${SECONDS} s, A B A B…`,
  );
  printTable(
    ['client', 'median req/s', 'x plain', 'target', ''],
    [
      row('axios, plain'),
      row('HttpService, protected', 'axios, plain'),
      row('fetch (undici), plain'),
      row('fetch (undici), pass-through interceptor', 'fetch (undici), plain'),
      row('fetch (undici), protected (compose)', 'fetch (undici), plain'),
      row('fetch (undici), pass-through wrapper', 'fetch (undici), plain'),
      row('fetch (undici), circuitBreakerDispatcher', 'fetch (undici), plain'),
      row('global fetch (Node), plain'),
      row("global fetch (Node), fetch: 'global'", 'global fetch (Node), plain'),
    ],
  );
  await app.close();
  await Promise.all(
    [agent, protectedAgent, passThrough, wrapped, passThroughWrapper, globalAgent].map((d) =>
      d.close(),
    ),
  );
}

/** A dispatcher that hands each request on as it is: what any wrapper costs, to tell apart. */
class PassThrough extends Dispatcher {
  constructor(private readonly inner: Dispatcher) {
    super();
  }
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
    return this.inner.dispatch(options, handler);
  }
  override close(): Promise<void> {
    return this.inner.close();
  }
  override destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Requests completed per second by `CONCURRENCY` loops of `request` for `seconds`. */
async function requestsPerSecond(request: () => Promise<void>, seconds: number): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1_000;
  const loop = async () => {
    while (performance.now() < end) {
      await request();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return done / ((performance.now() - started) / 1_000);
}

/** A dispatch that answers 200 at once, in the handler's form: what is left to time is ours. */
function instantDispatch(
  _options: unknown,
  handler: Partial<Record<string, (...args: unknown[]) => unknown>>,
) {
  if (typeof handler.onRequestStart !== 'function') {
    handler.onConnect?.(() => {});
    handler.onHeaders?.(200, [], () => {}, 'OK');
    handler.onComplete?.([]);
    return true;
  }
  const controller = { abort() {}, pause() {}, resume() {} };
  handler.onRequestStart(controller, {});
  handler.onResponseStart?.(controller, 200, {}, 'OK');
  handler.onResponseEnd?.(controller, {});
  return true;
}

/** The same as an undici Dispatcher, for the wrapper to wrap. */
class InstantDispatcher extends Dispatcher {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
    return instantDispatch(options, handler as never);
  }
  override close(): Promise<void> {
    return Promise.resolve();
  }
  override destroy(): Promise<void> {
    return Promise.resolve();
  }
}

/** A legacy handler (fetch's form) that settles `done` when the response completes. */
function legacyHandler(done: (value: unknown) => void) {
  return {
    onConnect() {},
    onHeaders: () => true,
    onData: () => true,
    onComplete: done,
    onError: done,
  };
}

/**
 * The per-origin lookup each request makes (its URL's origin, then that origin's circuit), with
 * one origin and with 500 taking turns; and the interceptor's whole cost per request over a
 * dispatch that answers at once (the circuit's call, its promises, the handler passed on).
 */
async function lookupCost(): Promise<void> {
  // Internal, not part of the package's API: loaded from the build by path.
  const internal = (path: string) =>
    import(new URL(`../esm/outbound/${path}`, import.meta.url).href);
  const { OutboundCircuits } = (await internal('outbound-circuits.js')) as {
    OutboundCircuits: new (
      registry: CircuitBreakerRegistry,
      options: unknown,
    ) => { circuitFor(origin: string): unknown };
  };
  const { resolveOutboundOptions } = (await internal('resolve-outbound-options.js')) as {
    resolveOutboundOptions: (options: unknown) => unknown;
  };
  const { originOf } = (await internal('origin-of.js')) as {
    originOf: (url: string) => string;
  };
  const registry = new CircuitBreakerRegistry({});
  const circuits = new OutboundCircuits(registry, resolveOutboundOptions({}));
  const origins = Array.from({ length: 500 }, (_, i) => `http://host-${i}.example.com`);
  const LOOKUPS = 200_000;
  let sink: unknown;
  const lookups = (pick: (i: number) => string) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < LOOKUPS; i++) sink = circuits.circuitFor(originOf(pick(i)));
    return Number(process.hrtime.bigint() - started) / LOOKUPS;
  };
  const intercepted = circuitBreakerInterceptor(registry)(instantDispatch as never);
  const requests = async (count: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) =>
        intercepted(
          { origin: origins[0], method: 'GET', path: '/' },
          { onRequestStart() {}, onResponseEnd: resolve },
        ),
      );
    }
    return Number(process.hrtime.bigint() - started) / count;
  };
  const wrapped = circuitBreakerDispatcher(registry, new InstantDispatcher());
  const throughWrapper = async (count: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) =>
        wrapped.dispatch(
          { origin: origins[0], method: 'GET', path: '/' },
          legacyHandler(resolve) as never,
        ),
      );
    }
    return Number(process.hrtime.bigint() - started) / count;
  };
  const bare = async (count: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => instantDispatch({}, legacyHandler(resolve) as never));
    }
    return Number(process.hrtime.bigint() - started) / count;
  };
  const samples = {
    one: [] as number[],
    many: [] as number[],
    bare: [] as number[],
    through: [] as number[],
    wrapper: [] as number[],
  };
  for (let round = 0; round < 15; round++) {
    samples.one.push(lookups(() => origins[0]!));
    samples.many.push(lookups((i) => origins[i % 500]!));
    samples.bare.push(await bare(10_000));
    samples.through.push(await requests(10_000));
    samples.wrapper.push(await throughWrapper(10_000));
  }
  void sink;
  console.log('\nOutbound, per request (15 rounds, medians)');
  printTable(
    ['per request', 'median'],
    [
      ['origin lookup, 1 origin', formatNs(median(samples.one))],
      ['origin lookup, 500 origins in turn', formatNs(median(samples.many))],
      ['dispatch answering at once, awaited', formatNs(median(samples.bare))],
      ['the same through the interceptor (its handler form)', formatNs(median(samples.through))],
      ['the same through circuitBreakerDispatcher (legacy)', formatNs(median(samples.wrapper))],
    ],
  );
  registry.onApplicationShutdown();
}

/** Retained heap per origin: 1,000 origins' circuits, each used once. */
async function memoryPerOrigin(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    console.log('\n(memory per origin: run with --expose-gc)');
    return;
  }
  const count = 1_000;
  const registry = new CircuitBreakerRegistry({});
  const intercepted = circuitBreakerInterceptor(registry, { maxOrigins: count + 1 })(
    instantDispatch as never,
  );
  // The lazily built parts of the first circuit (classes, shapes) are not any origin's cost.
  intercepted(
    { origin: 'http://warm-up.example.com', method: 'GET', path: '/' },
    { onRequestStart() {} },
  );
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  await new Promise<void>((resolve) => {
    let left = count;
    const handler = { onRequestStart() {}, onResponseEnd: () => --left === 0 && resolve() };
    for (let i = 0; i < count; i++) {
      intercepted({ origin: `http://host-${i}.example.com`, method: 'GET', path: '/' }, handler);
    }
  });
  gc();
  gc();
  const perOrigin = (process.memoryUsage().heapUsed - before) / count;
  console.log(
    `\nOutbound: retained heap per origin circuit (${count} origins): ${perOrigin.toFixed(0)} bytes`,
  );
  registry.onApplicationShutdown();
}
