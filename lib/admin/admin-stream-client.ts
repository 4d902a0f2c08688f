import type { MessageEvent } from '@nestjs/common';
import type { Subscriber } from 'rxjs';
import { STREAM_RESYNC_AT } from './circuit-breaker-admin.constants.js';
import type { FrameSource } from './circuit-frames.js';

/** The part of the HTTP response a client watches: whether it is backed up, and when not. */
export interface ClientConnection {
  readonly writableNeedDrain: boolean;
  on(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/**
 * One reader of the event stream. It keeps the names of the circuits it has not been sent
 * since they changed, not the frames: a circuit that changes a hundred times before a flush is
 * sent once, as it is then. While its connection is backed up (a client that reads slowly or
 * not at all) nothing is written to it, so what waits for it is bounded by the number of
 * circuits; when it drains, it is sent each one's latest state, or the whole list again when it
 * fell far behind.
 */
export class AdminStreamClient {
  private readonly pending = new Set<string>();
  /** The whole list is owed: on connecting, and after falling far behind. */
  private listOwed = true;

  constructor(
    private readonly subscriber: Subscriber<MessageEvent>,
    private readonly connection: ClientConnection,
    private readonly onDrain: () => void,
  ) {
    connection.on('drain', onDrain);
  }

  /** `name` changed, or its figures moved: it goes out with the next flush. */
  changed(name: string): void {
    if (this.listOwed) return; // the list will have it
    this.pending.add(name);
    if (this.pending.size >= STREAM_RESYNC_AT) {
      this.pending.clear();
      this.listOwed = true;
    }
  }

  /** Sends what this client is owed, unless its connection is backed up. */
  flush(frames: FrameSource): void {
    if (this.connection.writableNeedDrain || this.subscriber.closed) return;
    if (this.listOwed) {
      this.listOwed = false;
      this.pending.clear();
      this.subscriber.next({ type: 'circuits', data: frames.list() });
      return;
    }
    for (const name of this.pending) {
      const frame = frames.circuit(name);
      this.subscriber.next(
        frame === undefined
          ? { type: 'removed', data: JSON.stringify({ name }) }
          : { type: 'circuit', data: frame },
      );
    }
    this.pending.clear();
  }

  /** Ends the stream (the app is closing). */
  end(): void {
    this.subscriber.complete();
  }

  /** The client is gone: stop watching its connection. */
  detach(): void {
    this.connection.off('drain', this.onDrain);
  }
}
