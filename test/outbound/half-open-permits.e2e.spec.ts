import { HttpModule, HttpService } from '@nestjs/axios';
import { firstValueFrom } from 'rxjs';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
} from '../../lib/index.js';
import { moduleOf, startApp, type RunningApp } from '../core/support/start-app.js';
import { startUpstream, waitFor, type Upstream } from './support/upstream.js';

// Half-open permits are exact per origin: 100 concurrent HttpService callers per origin, two
// origins at once, and exactly halfOpenMaxCalls requests of each reach its server.

describe('outbound half-open permits under 100 concurrent callers per origin', () => {
  let app: RunningApp;
  let upstreams: Upstream[];

  beforeEach(async () => {
    upstreams = [await startUpstream(), await startUpstream()];
    app = await startApp(
      moduleOf({
        imports: [
          HttpModule,
          CircuitBreakerModule.forRoot({
            outbound: {
              httpService: true,
              defaults: { failureThreshold: 1, resetTimeoutMs: 100, halfOpenMaxCalls: 3 },
            },
          }),
        ],
      }),
    );
  });
  afterEach(async () => {
    await app.close();
    for (const upstream of upstreams) await upstream.close();
  });

  it('lets exactly halfOpenMaxCalls probes through to each origin, refusing the rest locally', async () => {
    const http = app.get(HttpService);
    const registry = app.get(CircuitBreakerRegistry);
    const circuit = (upstream: Upstream) => registry.get(`outbound:${upstream.origin}`)!;
    for (const upstream of upstreams) {
      await firstValueFrom(http.get(`${upstream.origin}/status/500`)).catch(() => {});
      // Its history, not its state: a stall past the 100 ms open period would read half-open.
      expect(circuit(upstream).history().at(-1)).toMatchObject({ from: 'closed', to: 'open' });
    }
    await waitFor(() =>
      upstreams.every((upstream) => circuit(upstream).state === CircuitState.HalfOpen),
    );

    const calls = upstreams.map((upstream) =>
      Array.from({ length: 100 }, () =>
        firstValueFrom(http.get(`${upstream.origin}/gate`)).then(
          (response) => response.status,
          (error: unknown) => error,
        ),
      ),
    );
    await waitFor(() => upstreams.every((upstream) => upstream.waiting === 3));
    for (const upstream of upstreams) {
      expect(circuit(upstream).stats().inFlight).toBe(3);
      upstream.openGate();
    }
    for (const [index, upstream] of upstreams.entries()) {
      const results = await Promise.all(calls[index]!);
      expect(results.filter((result) => result === 200)).toHaveLength(3);
      expect(results.filter((result) => result instanceof CircuitOpenError)).toHaveLength(97);
      expect(upstream.hits('/gate')).toBe(3);
      expect(circuit(upstream).state).toBe(CircuitState.Closed);
    }
  });
});
