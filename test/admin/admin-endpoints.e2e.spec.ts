import { CircuitState } from '../../lib/index.js';
import { post, startAdminApp, trip, type AdminApp } from './support/admin-app.js';
import { EventStream } from './support/event-stream.js';

describe.each(['express', 'fastify'] as const)('the admin API on %s', (adapter) => {
  let app: AdminApp;
  beforeEach(async () => (app = await startAdminApp({ public: true }, adapter)));
  afterEach(() => app.close());

  it('GET / answers every circuit’s stats', async () => {
    const response = await fetch(app.admin);
    expect(response.status).toBe(200);
    const stats = (await response.json()) as { name: string; state: string }[];
    expect(stats.map(({ name }) => name).sort()).toEqual(['inventory', 'payments']);
    expect(stats[0]).toMatchObject({ state: CircuitState.Closed, totalCalls: 0, retryAfterMs: 0 });
  });

  it('GET /:name answers one circuit’s stats, and 404 for a name no circuit has', async () => {
    await trip(app.registry, 'inventory');
    const response = await fetch(`${app.admin}/inventory`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: 'inventory',
      state: CircuitState.Open,
      failures: 2,
      retryAfterMs: expect.any(Number),
    });

    const unknown = await fetch(`${app.admin}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ message: 'No circuit named "nowhere"' });
  });

  it('GET /:name/history answers its last state changes with their figures; 404 for an unknown name', async () => {
    await trip(app.registry, 'inventory');
    await post(`${app.admin}/inventory/reset`);
    const response = await fetch(`${app.admin}/inventory/history`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject([
      { from: 'closed', to: 'open', reason: 'consecutive_failures', consecutiveFailures: 2 },
      { from: 'open', to: 'closed', reason: 'reset' },
    ]);
    expect((await fetch(`${app.admin}/nowhere/history`)).status).toBe(404);
  });

  it('GET /:name answers the latency, flapping and open durations too', async () => {
    const stats = (await (await fetch(`${app.admin}/payments`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ latency: null, flapping: false, nextOpenDurationMs: 30_000 });
  });

  it('POST /:name/force-open, /release, /disable and /reset steer the circuit and answer its stats', async () => {
    const circuit = app.registry.get('payments')!;
    const steps = [
      ['force-open', CircuitState.ForcedOpen],
      ['release', CircuitState.Closed],
      ['disable', CircuitState.Disabled],
      ['reset', CircuitState.Closed],
    ] as const;
    for (const [command, state] of steps) {
      const response = await post(`${app.admin}/payments/${command}`);
      expect([command, response.status]).toEqual([command, 200]);
      expect(await response.json()).toMatchObject({ name: 'payments', state });
      expect(circuit.state).toBe(state);
    }
  });

  it('POST /:name/reset closes an open circuit with fresh counters', async () => {
    await trip(app.registry, 'inventory');
    const response = await post(`${app.admin}/inventory/reset`);
    expect(await response.json()).toMatchObject({ state: CircuitState.Closed, failures: 0 });
  });

  it.each(['reset', 'force-open', 'disable', 'release'])(
    'POST /:name/%s answers 404 for a name no circuit has',
    async (command) => {
      expect((await post(`${app.admin}/nowhere/${command}`)).status).toBe(404);
      expect(app.registry.has('nowhere')).toBe(false);
    },
  );

  it('GET /events streams the circuits at once, then a circuit as it changes', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
      const first = await stream.next((event) => event.type === 'circuits');
      expect((first.data as { name: string }[]).map(({ name }) => name).sort()).toEqual([
        'inventory',
        'payments',
      ]);

      await trip(app.registry, 'inventory');
      const change = await stream.next((event) => event.type === 'circuit');
      expect(change.data).toMatchObject({
        name: 'inventory',
        state: CircuitState.Open,
        lastStateChangeAt: expect.any(String),
      });
    } finally {
      stream.close();
    }
  });

  it('GET /dashboard serves the self-contained page, with a policy that allows only its own script', async () => {
    const response = await fetch(`${app.admin}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toMatch(/default-src 'none'/);
    expect(policy).toMatch(/script-src 'sha256-[\w+/=]+'/);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('data-base="/circuit-breakers"');
    // Nothing from elsewhere: no script or stylesheet by URL; the icon is inline (data:).
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="(?!data:)/);
  });
});
