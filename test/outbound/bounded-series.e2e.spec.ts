import { Registry } from 'prom-client';
import { CircuitBreakerModule, CircuitBreakerRegistry } from '../../lib/index.js';
import { CircuitBreakerOutbound } from '../../lib/outbound/circuit-breaker-outbound.js';
import type { HttpReply } from '../../lib/outbound/outbound-reply.js';
import { moduleOf, startApp } from '../core/support/start-app.js';

// 1,000 distinct origins through the module's origin circuits, Prometheus metrics on: the
// circuits, and the metric series that name them, stay within maxOrigins.

describe('outbound: 1,000 distinct origins keep circuits and metric series bounded', () => {
  it('never holds more than maxOrigins origin circuits, nor series for more', async () => {
    const prometheus = new Registry();
    const app = await startApp(
      moduleOf({
        imports: [
          CircuitBreakerModule.forRoot({
            metrics: { registry: prometheus },
            outbound: { maxOrigins: 40 },
          }),
        ],
      }),
    );
    try {
      const circuits = app.get(CircuitBreakerOutbound).circuits!;
      for (let i = 0; i < 1_000; i++) {
        await circuits.call<HttpReply>({
          origin: `http://host-${i}.example.com`,
          idempotent: true,
          send: () => Promise.resolve({ status: 200, retryAfter: undefined }),
          replyOf: (answer, thrown) => (thrown ? undefined : (answer as HttpReply)),
        });
      }
      expect(circuits.size).toBe(40);
      expect(app.get(CircuitBreakerRegistry).all()).toHaveLength(40);
      const named = new Set<string>();
      for (const metric of await prometheus.getMetricsAsJSON()) {
        for (const value of metric.values) {
          const circuit = value.labels.circuit;
          if (typeof circuit === 'string') named.add(circuit);
        }
      }
      expect(named.size).toBeGreaterThan(0); // the metrics do name circuits
      expect(named.size).toBeLessThanOrEqual(40);
    } finally {
      await app.close();
    }
  });
});
