// The checks both NestJS consumer apps (nest11-cjs, nest12-esm) pass, against the real app
// listening on 127.0.0.1. Each app's own test file starts it and hands over a `StartedApp`.
// Nothing here imports a package: it sees the app only through HTTP and those handles.

export type Service = 'inventory' | 'prices';

export interface StartedApp {
  /** Where the app listens, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Takes one of the app's fake upstream services down, or brings it back. */
  setDown(service: Service, down: boolean): void;
  /** How many calls reached that upstream service. */
  callsTo(service: Service): number;
  /** A circuit's state as the app's `CircuitBreakerRegistry` reports it. */
  circuitState(name: string): string | undefined;
  close(): Promise<void>;
}

export interface AppExpectations {
  /** A half-open circuit's health status: `up` on Terminus 11, `degraded` on Terminus 12. */
  halfOpenHealth: 'up' | 'degraded';
  /** The overall status of a health check with that circuit: `ok` or `degraded`. */
  halfOpenCheckStatus: 'ok' | 'degraded';
}

const ADMIN = { 'x-admin-token': 'operator-secret' };
/** How long a condition may take to come true before a check fails (it is polled, not timed). */
const DEADLINE_MS = 10_000;

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${DEADLINE_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function describeCircuitBreakerApp(
  title: string,
  start: () => Promise<StartedApp>,
  expected: AppExpectations,
): void {
  describe(title, () => {
    let app: StartedApp;
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url}${path}`, { headers });
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url}${path}`, { method: 'POST', headers });

    /** Fails the inventory service until its circuit (failureThreshold 2) opens. */
    async function tripInventory(): Promise<void> {
      app.setDown('inventory', true);
      expect((await get('/stock/a1')).status).toBe(500);
      expect((await get('/stock/a1')).status).toBe(500);
      expect(app.circuitState('inventory')).toBe('open');
    }

    beforeEach(async () => {
      app = await start();
    });
    afterEach(async () => {
      await app.close();
    });

    it('runs on the Node.js the consumer runner chose', () => {
      expect(process.version).toBe(process.env.CONSUMER_NODE_VERSION ?? process.version);
    });

    it('opens the circuit of a failing dependency: 503, Retry-After and the circuit in the body', async () => {
      const ok = await get('/stock/a1');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ sku: 'a1', inStock: 7 });

      await tripInventory();
      const callsBefore = app.callsTo('inventory');
      const refused = await get('/stock/a1');

      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await refused.json()).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Circuit "inventory" is open',
        circuit: 'inventory',
      });
      expect(app.callsTo('inventory')).toBe(callsBefore); // refused without calling it
    });

    it('answers 503 on /health/ready (and still 200 on /health/live) while a circuit is open', async () => {
      expect((await get('/health/ready')).status).toBe(200);

      await tripInventory();
      const ready = await get('/health/ready');

      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body.status).toBe('error');
      expect(body.details.circuits).toMatchObject({
        status: 'down',
        open: ['inventory'],
        circuits: { inventory: { state: 'open' }, prices: { state: 'closed' } },
      });
      expect((await get('/health/live')).status).toBe(200); // liveness never looks at circuits
    });

    it('answers 200 on /health/ready while a circuit is half-open', async () => {
      app.setDown('prices', true);
      expect((await get('/price/p1')).status).toBe(500); // failureThreshold 1: open
      expect(app.circuitState('prices')).not.toBe('closed');
      await waitFor(
        'the prices circuit to be half-open',
        () => app.circuitState('prices') === 'half_open',
      );

      const ready = await get('/health/ready');

      expect(ready.status).toBe(200);
      const body = await ready.json();
      expect(body.status).toBe(expected.halfOpenCheckStatus);
      expect(body.details.circuits).toMatchObject({
        status: expected.halfOpenHealth,
        open: [],
        circuits: { prices: { state: 'half_open' } },
      });
      expect(app.circuitState('prices')).toBe('half_open'); // the health check sent no probe
    });

    it('refuses admin requests its guard rejects, and serves those it lets through', async () => {
      expect((await get('/circuit-breakers')).status).toBe(403);
      expect((await get('/circuit-breakers', { 'x-admin-token': 'wrong' })).status).toBe(403);
      expect((await post('/circuit-breakers/inventory/force-open')).status).toBe(403);
      expect(app.circuitState('inventory')).toBe('closed');

      const list = await get('/circuit-breakers', ADMIN);
      expect(list.status).toBe(200);
      expect(list.headers.get('x-total-count')).toBe('2');
      const names = ((await list.json()) as Array<{ name: string }>).map(({ name }) => name);
      expect(names.sort()).toEqual(['inventory', 'prices']);

      const forced = await post('/circuit-breakers/inventory/force-open', ADMIN);
      expect(forced.status).toBe(200);
      expect(await forced.json()).toMatchObject({ name: 'inventory', state: 'forced_open' });
      expect(app.circuitState('inventory')).toBe('forced_open');
      expect((await get('/stock/a1')).status).toBe(503);
    });

    it('shows the circuit state and calls in the Prometheus scrape', async () => {
      expect((await get('/stock/a1')).status).toBe(200);
      await tripInventory();
      expect((await get('/stock/a1')).status).toBe(503);

      const scrape = await get('/metrics');

      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await scrape.text();
      for (const line of [
        'circuit_breaker_state{circuit="inventory",state="open"} 1',
        'circuit_breaker_state{circuit="inventory",state="closed"} 0',
        'circuit_breaker_state{circuit="prices",state="closed"} 1',
        'circuit_breaker_calls_total{circuit="inventory",outcome="success"} 1',
        'circuit_breaker_calls_total{circuit="inventory",outcome="failure"} 2',
        'circuit_breaker_calls_total{circuit="inventory",outcome="rejected"} 1',
        'circuit_breaker_transitions_total{circuit="inventory",from="closed",to="open"} 1',
      ]) {
        expect(text.split('\n')).toContain(line);
      }
    });
  });
}
