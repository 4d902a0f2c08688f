import { HttpModule, HttpService } from '@nestjs/axios';
import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';
import { isAxiosError } from 'axios';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { firstValueFrom } from 'rxjs';
import { CircuitBreakerModule, CircuitBreakerRegistry, CircuitState } from '../../lib/index.js';
import { CircuitBreakerOutbound } from '../../lib/outbound/circuit-breaker-outbound.js';
import { moduleOf, startApp, type RunningApp } from '../core/support/start-app.js';

// 1,000 distinct origins under load through a route of a real app (plain HttpService,
// `outbound: { httpService: true }`, Prometheus metrics on): the origin circuits never exceed
// maxOrigins, nor do the origins the metrics name, the heap stays flat after GC (over a second
// thousand), and the origins forced open or opened by failures before the flood are still there
// and still refusing.

const MAX_ORIGINS = 100;
const FLOOD = 1_000;
const CONCURRENCY = 32;

/** Every address of 127/8 reaches loopback on Linux: one server, as many origins as wanted. */
let port: number;
const originOf = (index: number) =>
  `http://127.${1 + Math.floor(index / 62_500)}.${1 + (Math.floor(index / 250) % 250)}.${1 + (index % 250)}:${port}`;

@Controller('origins')
class FanOutController {
  constructor(private readonly http: HttpService) {}

  /**
   * Calls origin number `index`. NEVER do this in an application: an origin taken from user
   * input makes one circuit per value sent. The route does it only to create load here.
   */
  @Get(':index/:kind')
  async call(@Param('index', ParseIntPipe) index: number, @Param('kind') kind: string) {
    const response = await firstValueFrom(this.http.get(`${originOf(index)}/${kind}`)).catch(
      (error: unknown) => {
        // The upstream's 500, answered; a refusal goes on to the module's filter (503).
        if (isAxiosError(error) && error.response !== undefined) return error.response;
        throw error;
      },
    );
    return { status: response.status };
  }
}

/**
 * The upstream of every origin, listening on every address (127/8 included): `/ok` 200, `/fail`
 * 500, counted by host. It closes each connection after its answer, so a thousand origins leave
 * no idle sockets (and their memory) behind in the client's agent.
 */
async function startFanOutUpstream() {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const host = request.headers.host ?? '';
    hits.set(host, (hits.get(host) ?? 0) + 1);
    request.resume();
    response.writeHead(request.url === '/fail' ? 500 : 200, { connection: 'close' }).end('{}');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: (origin: string) => hits.get(new URL(origin).host) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** For each metric, how many origin circuits its series name. */
async function originsPerMetric(prometheus: Registry): Promise<Map<string, number>> {
  const named = new Map<string, Set<string>>();
  for (const metric of await prometheus.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const circuit = value.labels.circuit;
      if (typeof circuit !== 'string' || !circuit.startsWith('outbound:')) continue;
      named.set(metric.name, (named.get(metric.name) ?? new Set()).add(circuit));
    }
  }
  return new Map([...named].map(([metric, circuits]) => [metric, circuits.size]));
}

/** V8's `gc()`, enabled at run time: heap measured after a full collection. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('outbound: 1,000 distinct origins through a route stay within the bounds', () => {
  let app: RunningApp;
  let upstream: Awaited<ReturnType<typeof startFanOutUpstream>>;
  let prometheus: Registry;

  beforeAll(async () => {
    upstream = await startFanOutUpstream();
    port = upstream.port;
    prometheus = new Registry();
    app = await startApp(
      moduleOf({
        imports: [
          HttpModule,
          CircuitBreakerModule.forRoot({
            metrics: { registry: prometheus },
            outbound: {
              httpService: true,
              maxOrigins: MAX_ORIGINS,
              defaults: { failureThreshold: 1, resetTimeoutMs: 60_000 },
            },
          }),
        ],
        controllers: [FanOutController],
      }),
    );
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
  });

  it('never holds more than maxOrigins circuits or series, loses no open or forced origin, keeps the heap flat', async () => {
    const registry = app.get(CircuitBreakerRegistry);
    const circuits = app.get(CircuitBreakerOutbound).circuits!;
    const outboundCircuits = () => registry.names().filter((name) => name.startsWith('outbound:'));
    const call = async (index: number, kind = 'ok') => {
      const response = await fetch(`${app.url}/origins/${index}/${kind}`);
      return { status: response.status, body: (await response.json()) as { status?: number } };
    };
    let most = 0;
    const statuses = new Map<number, number>();
    /** `count` requests to origins `from`…, `CONCURRENCY` at a time, the bound checked after each. */
    const flood = async (from: number, count: number) => {
      let next = from;
      const worker = async () => {
        while (next < from + count) {
          const { status } = await call(next++);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          most = Math.max(most, circuits.size, outboundCircuits().length);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };

    // Before the flood: five origins forced open by an operator, five opened by their failures.
    const forced = [0, 1, 2, 3, 4].map((i) => 1_000_000 + i);
    const failed = [5, 6, 7, 8, 9].map((i) => 1_000_000 + i);
    for (const index of forced) {
      expect(await call(index)).toMatchObject({ status: 200 });
      registry.forceOpen(`outbound:${originOf(index)}`);
    }
    for (const index of failed) {
      expect(await call(index, 'fail')).toMatchObject({ status: 200, body: { status: 500 } });
      expect(registry.get(`outbound:${originOf(index)}`)!.state).toBe(CircuitState.Open);
    }

    const pinned = new Map(
      [...forced, ...failed].map((index) => [index, registry.get(`outbound:${originOf(index)}`)!]),
    );

    // The flood; then, its code warmed up, as many new origins again with the heap measured
    // around them after GC.
    await flood(0, FLOOD);
    const afterFirstFlood = await originsPerMetric(prometheus);
    // The metrics do name the origin circuits (a state gauge names each of them)…
    expect(Math.max(...afterFirstFlood.values())).toBe(MAX_ORIGINS);
    // …and none names more than maxOrigins.
    for (const named of afterFirstFlood.values()) expect(named).toBeLessThanOrEqual(MAX_ORIGINS);
    const gc = collector();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    await flood(FLOOD, FLOOD);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;

    expect(statuses).toEqual(new Map([[200, 2 * FLOOD]]));
    expect(most).toBeLessThanOrEqual(MAX_ORIGINS);
    expect(circuits.size).toBe(MAX_ORIGINS);
    expect(await originsPerMetric(prometheus)).toEqual(afterFirstFlood);
    // Kept, 1,000 more origin circuits and their series would take about 4 MB (measured with
    // maxOrigins above them: 3.6 to 4.6 MB); bounded, the heap moves by a few hundred KB.
    expect(heapAfter - heapBefore).toBeLessThan(2 * 1024 * 1024);

    // The origins forced open or opened before the flood are still there (the same circuits),
    // and still refuse without reaching the upstream.
    for (const [index, circuit] of pinned) {
      const name = `outbound:${originOf(index)}`;
      expect(registry.get(name)).toBe(circuit);
      expect(circuit.state).toBe(
        forced.includes(index) ? CircuitState.ForcedOpen : CircuitState.Open,
      );
      const hits = upstream.hits(originOf(index));
      const refused = await call(index);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ circuit: name });
      expect(upstream.hits(originOf(index))).toBe(hits);
    }
  }, 60_000);
});
