import 'reflect-metadata';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  circuitBreakerInterceptor,
} from 'nestjs-circuit-breaker';
import { formatNs, formatRatio, median, printTable } from './measure.js';

const ROUNDS = Number(process.env.BENCH_OUTBOUND_ROUNDS ?? 9);
const SECONDS = Number(process.env.BENCH_OUTBOUND_SECONDS ?? 2);
const CONCURRENCY = 16;
const TARGET = 0.97;

/**
 * Outbound protection (#21): requests/s through `HttpService` and through undici's `fetch`
 * against a loopback keep-alive server, plain and protected, alternating A B A B… over `ROUNDS`
 * rounds; then the interceptor's own per-request cost (the origin's lookup included), and the
 * memory one origin's circuit takes.
 */
export async function outboundBench(): Promise<void> {
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
  await memoryPerOrigin();
}

async function throughput(url: string): Promise<void> {
  // Created before the module protects axios's default instance, whose defaults it would copy.
  const plainAxios = axios.create({ adapter: 'http' });
  @Module({
    imports: [HttpModule, CircuitBreakerModule.forRoot({ outbound: { httpService: true } })],
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
    'fetch (undici), protected': viaFetch(protectedAgent),
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
      row('fetch (undici), protected', 'fetch (undici), plain'),
    ],
  );
  await app.close();
  await agent.close();
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

/** A dispatch that answers 200 at once: what is left to time is the interceptor's own work. */
function instantDispatch(_options: unknown, handler: Record<string, (...args: unknown[]) => void>) {
  const controller = { abort() {}, pause() {}, resume() {} };
  handler.onRequestStart?.(controller, {});
  handler.onResponseStart?.(controller, 200, {}, 'OK');
  handler.onResponseEnd?.(controller, {});
  return true;
}

/** The interceptor's cost per request, with one origin and with 500 taking turns. */
async function lookupCost(): Promise<void> {
  const registry = new CircuitBreakerRegistry({});
  const intercepted = circuitBreakerInterceptor(registry)(instantDispatch as never);
  const origins = Array.from({ length: 500 }, (_, i) => `http://host-${i}.example.com`);
  const run = (count: number, originOf: (i: number) => string) =>
    new Promise<number>((resolve) => {
      let left = count;
      const started = process.hrtime.bigint();
      const handler = {
        onResponseEnd() {
          if (--left === 0) resolve(Number(process.hrtime.bigint() - started) / count);
        },
      };
      for (let i = 0; i < count; i++)
        intercepted({ origin: originOf(i), method: 'GET', path: '/' }, handler);
    });
  const bare = (count: number) =>
    new Promise<number>((resolve) => {
      let left = count;
      const started = process.hrtime.bigint();
      const handler = {
        onResponseEnd() {
          if (--left === 0) resolve(Number(process.hrtime.bigint() - started) / count);
        },
      };
      for (let i = 0; i < count; i++) instantDispatch({}, handler as never);
    });
  const samples = { bare: [] as number[], one: [] as number[], many: [] as number[] };
  for (let round = 0; round < 15; round++) {
    samples.bare.push(await bare(10_000));
    samples.one.push(await run(10_000, () => origins[0]!));
    samples.many.push(await run(10_000, (i) => origins[i % 500]!));
  }
  console.log(
    '\nOutbound interceptor, per request over a dispatch that answers at once (15 rounds, medians)',
  );
  printTable(
    ['per request', 'median'],
    [
      ['bare dispatch', formatNs(median(samples.bare))],
      ['intercepted, 1 origin', formatNs(median(samples.one))],
      ['intercepted, 500 origins in turn', formatNs(median(samples.many))],
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
  const intercepted = circuitBreakerInterceptor(registry, { maxOrigins: count })(
    instantDispatch as never,
  );
  gc();
  const before = process.memoryUsage().heapUsed;
  await new Promise<void>((resolve) => {
    let left = count;
    const handler = { onResponseEnd: () => --left === 0 && resolve() };
    for (let i = 0; i < count; i++) {
      intercepted({ origin: `http://host-${i}.example.com`, method: 'GET', path: '/' }, handler);
    }
  });
  gc();
  const perOrigin = (process.memoryUsage().heapUsed - before) / count;
  console.log(
    `\nOutbound: retained heap per origin circuit (${count} origins): ${perOrigin.toFixed(0)} bytes`,
  );
  registry.onApplicationShutdown();
}
