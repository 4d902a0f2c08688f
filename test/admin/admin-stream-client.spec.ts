import { EventEmitter } from 'node:events';
import type { MessageEvent } from '@nestjs/common';
import { Subscriber } from 'rxjs';
import { AdminStreamClient } from '../../lib/admin/admin-stream-client.js';
import { STREAM_RESYNC_AT } from '../../lib/admin/circuit-breaker-admin.constants.js';
import type { FrameSource } from '../../lib/admin/circuit-frames.js';

/** A response whose client reads (or not) as the test says. */
class Connection extends EventEmitter {
  writableNeedDrain = false;
}

/** Frames that say which version of a circuit they were made from. */
function framesAt(version: number): FrameSource {
  return {
    list: () => `list@${version}`,
    circuit: (name) => (name.startsWith('gone') ? undefined : `${name}@${version}`),
  };
}

/** A subscriber that keeps what it is sent. */
function collector(sent: MessageEvent[]): Subscriber<MessageEvent> {
  return new Subscriber<MessageEvent>({
    next: (event) => sent.push(event),
    error: () => {},
    complete: () => {},
  });
}

function client() {
  const sent: MessageEvent[] = [];
  const connection = new Connection();
  let version = 0;
  const stream: AdminStreamClient = new AdminStreamClient(collector(sent), connection, () =>
    stream.flush(framesAt(version)),
  );
  stream.flush(framesAt(version)); // the list, on connecting
  sent.length = 0;
  return { stream, sent, connection, setVersion: (v: number) => (version = v) };
}

describe('one reader of the admin event stream', () => {
  it('gets the whole list on connecting, then only the circuit that changed', () => {
    const sent: MessageEvent[] = [];
    const stream = new AdminStreamClient(collector(sent), new Connection(), () => {});
    stream.flush(framesAt(0));
    stream.changed('payments');
    stream.flush(framesAt(1));
    expect(sent).toEqual([
      { type: 'circuits', data: 'list@0' },
      { type: 'circuit', data: 'payments@1' },
    ]);
  });

  it('sends a burst of changes to one circuit as one frame, its latest state', () => {
    const { stream, sent } = client();
    for (let i = 0; i < 1_000; i++) stream.changed('payments');
    stream.flush(framesAt(1_000));
    expect(sent).toEqual([{ type: 'circuit', data: 'payments@1000' }]);
  });

  it('says a circuit the registry forgot is removed', () => {
    const { stream, sent } = client();
    stream.changed('gone-1');
    stream.flush(framesAt(1));
    expect(sent).toEqual([{ type: 'removed', data: '{"name":"gone-1"}' }]);
  });

  it('writes nothing to a client that stops reading, however much changes, and owes it one frame per circuit', () => {
    const { stream, sent, connection, setVersion } = client();
    connection.writableNeedDrain = true;
    const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
    for (let round = 1; round <= 500; round++) {
      for (const name of names) stream.changed(name);
      stream.flush(framesAt(round));
    }
    expect(sent).toEqual([]);

    // It reads again: each circuit once, as it is now.
    setVersion(501);
    connection.writableNeedDrain = false;
    connection.emit('drain');
    expect(sent).toEqual(names.map((name) => ({ type: 'circuit', data: `${name}@501` })));
  });

  it(`gets the whole list again once it has fallen ${STREAM_RESYNC_AT} circuits behind`, () => {
    const { stream, sent, connection } = client();
    connection.writableNeedDrain = true;
    for (let i = 0; i < 10 * STREAM_RESYNC_AT; i++) stream.changed(`c${i}`);
    connection.writableNeedDrain = false;
    stream.flush(framesAt(7));
    expect(sent).toEqual([{ type: 'circuits', data: 'list@7' }]);
    stream.flush(framesAt(8));
    expect(sent).toHaveLength(1); // owed nothing more
  });

  it('stops watching its connection once detached', () => {
    const { stream, connection } = client();
    expect(connection.listenerCount('drain')).toBe(1);
    stream.detach();
    expect(connection.listenerCount('drain')).toBe(0);
  });
});
