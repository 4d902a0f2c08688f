import { connect, type Socket } from 'node:net';
import { startAdminApp, type AdminApp } from './support/admin-app.js';
import { EventStream } from './support/event-stream.js';

const CIRCUITS = 998; // with inventory and payments, the 1,000 a list holds
const ROUNDS = 60;

/** A client of the event stream that stops reading once it has its answer's first bytes. */
async function stalledClient(url: string): Promise<{ socket: Socket; received: () => string }> {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.write(
    `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  await until(() => text.includes('event: circuits'), 'the stalled client’s first list');
  socket.pause();
  return { socket, received: () => text };
}

/** Each circuit's state as a client last heard it, from lists and single circuits. */
const states = {
  folded: new WeakMap<EventStream, { at: number; states: Map<string, string> }>(),
  seen(stream: EventStream): Map<string, string> {
    const fold = this.folded.get(stream) ?? { at: 0, states: new Map<string, string>() };
    this.folded.set(stream, fold);
    for (; fold.at < stream.events.length; fold.at++) {
      const { type, data } = stream.events[fold.at]!;
      const circuits = type === 'circuits' ? data : type === 'circuit' ? [data] : [];
      for (const { name, state } of circuits as { name: string; state: string }[]) {
        fold.states.set(name, state);
      }
    }
    return fold.states;
  },
};

async function until(ok: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a client of the admin event stream that stops reading', () => {
  let app: AdminApp;
  let stalled: Awaited<ReturnType<typeof stalledClient>> | undefined;
  const names = Array.from({ length: CIRCUITS }, (_, i) => `circuit-${i}`);
  beforeEach(async () => {
    app = await startAdminApp({ public: true, statsIntervalMs: 60_000 });
    for (const name of names) app.registry.getOrCreate(name);
  });
  afterEach(async () => {
    stalled?.socket.destroy();
    await app?.close();
  });

  it('is not buffered for: it stays connected and, reading again, gets each circuit’s latest state', async () => {
    const reader = await EventStream.open(`${app.admin}/events`);
    let readerBytes = 0;
    reader.response.on('data', (chunk: string) => (readerBytes += chunk.length));
    await reader.next(({ type }) => type === 'circuits');
    stalled = await stalledClient(`${app.admin}/events`);

    // Every circuit changes, round after round: tens of MB for a client that reads them all.
    for (let round = 0; round < ROUNDS; round++) {
      const forced = round % 2 === 0;
      for (const name of names) {
        if (forced) app.registry.forceOpen(name);
        else app.registry.release(name);
      }
      const expected = forced ? 'forced_open' : 'closed';
      await until(
        () => names.every((name) => states.seen(reader).get(name) === expected),
        `round ${round} on the reading client`,
      );
    }
    app.registry.forceOpen('payments'); // one change more, after the storm

    // It reads again: it is still connected, and it catches up with the latest states.
    expect(stalled.socket.destroyed).toBe(false);
    stalled.socket.resume();
    await until(
      () => /"name":"payments"[^}]*"state":"forced_open"/.test(stalled!.received()),
      'latest state of payments on the stalled client',
    );
    // What was sent to it while it did not read was bounded, far less than what it missed.
    expect(stalled.received().length).toBeLessThan(readerBytes / 2);
    reader.close();
  }, 60_000);
});
