import { jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitState } from '../../lib/index.js';
import { post, startAdminApp, trip, type AdminApp } from './support/admin-app.js';
import { EventStream } from './support/event-stream.js';

const statsIntervalMs = 25;

/** How often `registry.stats()` runs from now over `ms`: the event stream's timer at work. */
async function statsCallsOver(app: AdminApp, ms: number): Promise<number> {
  const stats = jest.spyOn(app.registry, 'all'); // each periodic check reads the circuits
  const before = stats.mock.calls.length;
  await sleep(ms);
  return stats.mock.calls.length - before;
}

describe.each(['express', 'fastify'] as const)('the admin event stream on %s', (adapter) => {
  let app: AdminApp;
  beforeEach(async () => (app = await startAdminApp({ public: true, statsIntervalMs }, adapter)));
  afterEach(() => app.close());

  it('sends the circuits on connecting, then a circuit whose numbers moved, without a state change', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    const list = await stream.next(({ type }) => type === 'circuits');
    expect((list.data as { name: string }[]).map(({ name }) => name).sort()).toEqual([
      'inventory',
      'payments',
    ]);
    await app.registry.get('payments')!.execute(() => 'paid');
    const moved = await stream.next(
      ({ type, data }) =>
        type === 'circuit' && (data as { name: string; successes: number }).successes === 1,
    );
    expect(moved.data).toMatchObject({ name: 'payments', state: CircuitState.Closed });
    stream.close();
  });

  it('says when the registry has forgotten a circuit, and sends one it builds', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    await stream.next(({ type }) => type === 'circuits');
    app.registry.remove('payments');
    app.registry.getOrCreate('search');
    expect((await stream.next(({ type }) => type === 'removed')).data).toEqual({
      name: 'payments',
    });
    expect((await stream.next(({ type }) => type === 'circuit')).data).toMatchObject({
      name: 'search',
      state: CircuitState.Closed,
    });
    stream.close();
  });

  it('sends a state change as that one circuit’s stats, not the list', async () => {
    for (let i = 0; i < 50; i++) app.registry.getOrCreate(`other-${i}`);
    const stream = await EventStream.open(`${app.admin}/events`);
    await stream.next(({ type }) => type === 'circuits');
    await post(`${app.admin}/payments/force-open`);
    const change = await stream.next(({ type }) => type === 'circuit');
    expect(change.data).toMatchObject({ name: 'payments', state: CircuitState.ForcedOpen });
    // Only the list on connecting is a list; every other frame holds one circuit.
    expect(stream.events.filter(({ type }) => type === 'circuits')).toHaveLength(1);
    expect(stream.events.filter(({ data }) => Array.isArray(data))).toHaveLength(1);
    stream.close();
  });

  it('sends a burst of changes to one circuit as its latest state, not a frame per change', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    await stream.next(({ type }) => type === 'circuits');
    const payments = app.registry.get('payments')!;
    for (let i = 0; i < 100; i++) {
      payments.forceOpen();
      payments.release();
    }
    payments.forceOpen(); // 201 changes, the last to forced open
    await stream.next(
      ({ type, data }) =>
        type === 'circuit' && (data as { state: string }).state === CircuitState.ForcedOpen,
    );
    await sleep(4 * statsIntervalMs); // a periodic check may send it once more, unchanged
    const frames = stream.events.filter(({ type }) => type === 'circuit');
    expect(frames.length).toBeLessThanOrEqual(2);
    expect(frames.every(({ data }) => (data as { state: string }).state === 'forced_open')).toBe(
      true,
    );
    stream.close();
  });

  it('stops its timer and its subscription once the client disconnects', async () => {
    const stream = await EventStream.open(`${app.admin}/events`);
    await stream.next(({ type }) => type === 'circuits');
    expect(await statsCallsOver(app, 5 * statsIntervalMs)).toBeGreaterThan(0);

    stream.close();
    // Once the server has noticed the closed connection, no snapshot is taken any more.
    const deadline = performance.now() + 10_000;
    while ((await statsCallsOver(app, 6 * statsIntervalMs)) > 0) {
      if (performance.now() > deadline) throw new Error('the stream’s timer still runs');
    }
    // No listener is left on the registry either: a change reaches no stream.
    await trip(app.registry, 'inventory');
    await sleep(4 * statsIntervalMs);
    expect(stream.events.filter(({ type }) => type === 'circuit')).toEqual([]);
  });

  it('ends open streams when the app closes, so app.close() neither hangs nor leaves a timer', async () => {
    const streams = await Promise.all([1, 2].map(() => EventStream.open(`${app.admin}/events`)));
    await Promise.all(streams.map((stream) => stream.next(({ type }) => type === 'circuits')));
    const stats = jest.spyOn(app.registry, 'all');

    await app.close(); // does not wait for the clients to hang up (the test's timeout would)
    await Promise.all(streams.map((stream) => stream.ended));

    const calls = stats.mock.calls.length;
    await sleep(5 * statsIntervalMs);
    expect(stats.mock.calls.length).toBe(calls);
  });
});
