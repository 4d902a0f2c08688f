import { jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitState } from '../../lib/index.js';
import { post, startAdminApp, trip, type AdminApp } from './support/admin-app.js';
import { EventStream } from './support/event-stream.js';

const statsIntervalMs = 25;

/** How often `registry.stats()` runs from now over `ms`: the event stream's timer at work. */
async function statsCallsOver(app: AdminApp, ms: number): Promise<number> {
  const stats = jest.spyOn(app.registry, 'all'); // each snapshot reads the circuits
  const before = stats.mock.calls.length;
  await sleep(ms);
  return stats.mock.calls.length - before;
}

describe.each(['express', 'fastify'] as const)('the admin event stream on %s', (adapter) => {
  let app: AdminApp;
  beforeEach(async () => (app = await startAdminApp({ public: true, statsIntervalMs }, adapter)));
  afterEach(() => app.close());

  it('sends every circuit’s stats every statsIntervalMs, so numbers move without a state change', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    await app.registry.get('payments')!.execute(() => 'paid');
    const moved = await stream.next(
      ({ type, data }) =>
        type === 'stats' &&
        (data as { name: string; successes: number }[]).some(
          ({ name, successes }) => name === 'payments' && successes === 1,
        ),
    );
    expect(moved).toBeDefined();
    expect(stream.events.filter(({ type }) => type === 'stats').length).toBeGreaterThanOrEqual(2);
    stream.close();
  });

  it('delivers the state changes that admin commands make', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    await stream.next(({ type }) => type === 'stats');
    await post(`${app.admin}/payments/force-open`);
    await post(`${app.admin}/payments/release`);
    await stream.next(
      ({ type, data }) => type === 'state' && (data as { to: string }).to === CircuitState.Closed,
    );
    const changes = stream.events.filter(({ type }) => type === 'state').map(({ data }) => data);
    expect(changes).toMatchObject([
      {
        circuit: 'payments',
        from: CircuitState.Closed,
        to: CircuitState.ForcedOpen,
        reason: 'forced_open',
      },
      {
        circuit: 'payments',
        from: CircuitState.ForcedOpen,
        to: CircuitState.Closed,
        reason: 'released',
      },
    ]);
    stream.close();
  });

  it('stops its timer and its subscription once the client disconnects', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    await stream.next(({ type }) => type === 'stats');
    expect(await statsCallsOver(app, 5 * statsIntervalMs)).toBeGreaterThan(0);

    stream.close();
    // Once the server has noticed the closed connection, no snapshot is taken any more.
    const deadline = performance.now() + 10_000;
    while ((await statsCallsOver(app, 6 * statsIntervalMs)) > 0) {
      if (performance.now() > deadline) throw new Error('the stream’s timer still runs');
    }
    // No listener is left on the registry either: a change reaches no stream.
    await trip(app.registry, 'inventory');
    expect(stream.events.filter(({ type }) => type === 'state')).toEqual([]);
  });

  it('ends open streams when the app closes, so app.close() neither hangs nor leaves a timer', async () => {
    const streams = await Promise.all([1, 2].map(() => EventStream.open(`${app.admin}/events`)));
    await Promise.all(streams.map((stream) => stream.next(({ type }) => type === 'stats')));
    const stats = jest.spyOn(app.registry, 'all');

    await app.close(); // does not wait for the clients to hang up (the test's timeout would)
    await Promise.all(streams.map((stream) => stream.ended));

    const calls = stats.mock.calls.length;
    await sleep(5 * statsIntervalMs);
    expect(stats.mock.calls.length).toBe(calls);
  });
});
