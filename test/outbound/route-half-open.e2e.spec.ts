import { HttpModule, HttpService } from '@nestjs/axios';
import { Controller, Get, Param } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { CircuitBreakerModule, CircuitBreakerRegistry, CircuitState } from '../../lib/index.js';
import { moduleOf, startApp, type Adapter, type RunningApp } from '../core/support/start-app.js';
import { startUpstream, waitFor, type Upstream } from './support/upstream.js';

// Half-open permits are exact as users meet them: a route of a real app calls its upstream
// through plain HttpService (no decorator, `outbound: { httpService: true }`), 100 requests
// come in at once while the origin is half-open, exactly halfOpenMaxCalls of them reach the
// upstream and every other one answers the module's 503 with Retry-After; none answers 500.

const HALF_OPEN_MAX_CALLS = 3;
const CALLERS = 100;

let upstream: Upstream;

@Controller('stock')
class StockController {
  constructor(private readonly http: HttpService) {}

  /** Asks the upstream's `kind` path and answers its status. */
  @Get(':kind')
  async stock(@Param('kind') kind: string) {
    const response = await firstValueFrom(this.http.get(`${upstream.origin}/${kind}`));
    return { status: response.status };
  }

  /** Breaks the origin: the upstream's 500, answered as a body rather than an error. */
  @Get('status/500')
  async broken() {
    const failed = await firstValueFrom(this.http.get(`${upstream.origin}/status/500`)).then(
      () => false,
      () => true,
    );
    return { failed };
  }
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

describe.each<Adapter>(['express', 'fastify'])(
  'outbound half-open exactness through a route (%s)',
  (adapter) => {
    let app: RunningApp;

    beforeEach(async () => {
      upstream = await startUpstream();
      app = await startApp(
        moduleOf({
          imports: [
            HttpModule,
            CircuitBreakerModule.forRoot({
              outbound: {
                httpService: true,
                defaults: {
                  failureThreshold: 1,
                  resetTimeoutMs: 100,
                  halfOpenMaxCalls: HALF_OPEN_MAX_CALLS,
                },
              },
            }),
          ],
          controllers: [StockController],
        }),
        adapter,
      );
    });
    afterEach(async () => {
      await app.close();
      await upstream.close();
    });

    it(`lets exactly halfOpenMaxCalls of ${CALLERS} concurrent requests reach the upstream, the rest answer 503 + Retry-After`, async () => {
      const circuit = app.get(CircuitBreakerRegistry);
      const name = `outbound:${upstream.origin}`;
      const broken = await fetch(`${app.url}/stock/status/500`);
      expect(await broken.json()).toEqual({ failed: true });
      // Its history, not its state: a stall past the 100 ms open period would read half-open.
      expect(circuit.get(name)!.history().at(-1)).toMatchObject({ from: 'closed', to: 'open' });
      await waitFor(() => circuit.get(name)!.state === CircuitState.HalfOpen);

      let answered = 0;
      const answers = Array.from({ length: CALLERS }, () =>
        fetch(`${app.url}/stock/gate`).then(async (response): Promise<Answer> => {
          const answer = {
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            body: (await response.json()) as Record<string, unknown>,
          };
          answered++;
          return answer;
        }),
      );
      // The probes wait at the upstream's gate while every other request is answered: nothing
      // more can reach the upstream, so what it counts now is final.
      await waitFor(() => answered === CALLERS - HALF_OPEN_MAX_CALLS, 20_000);
      expect(upstream.waiting).toBe(HALF_OPEN_MAX_CALLS);
      expect(circuit.get(name)!.stats().inFlight).toBe(HALF_OPEN_MAX_CALLS);
      upstream.openGate();
      const results = await Promise.all(answers);

      expect(upstream.hits('/gate')).toBe(HALF_OPEN_MAX_CALLS);
      const passed = results.filter((result) => result.status === 200);
      const refused = results.filter((result) => result.status === 503);
      expect(passed).toHaveLength(HALF_OPEN_MAX_CALLS);
      expect(passed[0]!.body).toEqual({ status: 200 });
      expect(refused).toHaveLength(CALLERS - HALF_OPEN_MAX_CALLS);
      for (const answer of refused) {
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(answer.body).toMatchObject({
          statusCode: 503,
          error: 'Service Unavailable',
          circuit: name,
        });
      }
      expect(results.filter((result) => result.status >= 500 && result.status !== 503)).toEqual([]);
      expect(circuit.get(name)!.state).toBe(CircuitState.Closed);
    });
  },
);
