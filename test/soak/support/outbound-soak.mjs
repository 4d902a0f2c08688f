// One outbound soak (see ../outbound.soak.spec.ts): `node --expose-gc outbound-soak.mjs <way>
// <requests> <upstream origin>`. Requests as an app makes them, through its origin's circuit,
// against the test's keep-alive server on loopback (in the test's process: only the client is
// measured here), which answers 200, a 404 (an answer) or a 500 (a failure, never enough to
// trip); or, for the eviction case, a dispatch that answers at once, across 10,000 origins with
// room for 100 circuits.
import 'reflect-metadata';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  circuitBreakerInterceptor,
} from 'nestjs-circuit-breaker';
import { heapGrowth, report } from './measure-heap.mjs';

const [way, requestsArg, upstream] = process.argv.slice(2);
const requests = Number(requestsArg);
/** Requests awaited together. */
const BATCH = 100;
/** Never trips: every request must reach the upstream. */
const NEVER = {
  failureThreshold: 1_000_000_000,
  minimumThroughput: 1_000_000_000,
  timeoutMs: 60_000,
};

/** 200 mostly; every 10th a 404 (an answer), every 25th a 500 (a failure): every path. */
const path = (i) => `/status/${i % 25 === 0 ? 500 : i % 10 === 0 ? 404 : 200}`;

async function appWith(outbound, imports = []) {
  class SoakModule {}
  Module({ imports: [...imports, CircuitBreakerModule.forRoot({ logger: false, outbound })] })(
    SoakModule,
  );
  const app = await NestFactory.createApplicationContext(SoakModule, { logger: false });
  await app.init();
  return app;
}

/** What each way needs: `request(i)` and what to close after. */
const WAYS = {
  async 'HttpService (axios)'(url) {
    const app = await appWith({ httpService: true, defaults: NEVER }, [HttpModule]);
    const http = app.get(HttpService);
    return {
      request: (i) => http.axiosRef.get(`${url}${path(i)}`, { validateStatus: () => true }),
      registry: app.get(CircuitBreakerRegistry),
      close: () => app.close(),
    };
  },
  async "Node's global fetch (fetch: 'global')"(url) {
    const app = await appWith({ fetch: 'global', defaults: NEVER });
    return {
      request: async (i) => void (await (await globalThis.fetch(`${url}${path(i)}`)).arrayBuffer()),
      registry: app.get(CircuitBreakerRegistry),
      close: () => app.close(),
    };
  },
  async '10,000 origins, room for 100 (eviction)'() {
    const registry = new CircuitBreakerRegistry({});
    const dispatch = circuitBreakerInterceptor(registry, { maxOrigins: 100, defaults: NEVER })(
      answerAtOnce,
    );
    return {
      request: (i) =>
        new Promise((resolve, reject) =>
          dispatch(
            { origin: `http://host-${i % 10_000}.example.com`, method: 'GET', path: '/' },
            // A handler of undici 7's form, as compose() hands an interceptor.
            {
              onRequestStart() {},
              onResponseStart() {},
              onResponseEnd: resolve,
              onResponseError: (_c, error) => reject(error),
            },
          ),
        ),
      registry,
      close: async () => {},
    };
  },
};

/** An undici dispatch that answers 200 at once: no socket, only the circuit's own work. */
function answerAtOnce(_options, handler) {
  const controller = { abort() {}, pause() {}, resume() {} };
  handler.onRequestStart?.(controller, {});
  handler.onResponseStart?.(controller, 200, {}, 'OK');
  handler.onResponseEnd?.(controller, {});
  return true;
}

const make = WAYS[way];
if (make === undefined) throw new Error(`no way "${way}"`);
const { request, registry, close } = await make(upstream);
let failed = 0;
let firstError;
const batch = async (first) => {
  const pending = [];
  for (let i = first; i < first + BATCH; i++) pending.push(request(i));
  for (const outcome of await Promise.allSettled(pending)) {
    if (outcome.status === 'rejected') {
      failed++;
      firstError ??= String(outcome.reason?.cause ?? outcome.reason);
    }
  }
};
const heap = await heapGrowth(batch, BATCH, Math.max(BATCH, requests / 10), requests);
const circuits = registry.all().filter((circuit) => circuit.name.startsWith('outbound:'));
report({ way, requests, failed, firstError, circuits: circuits.length, ...heap });
await close();
