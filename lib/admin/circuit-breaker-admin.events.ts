import { Inject, Injectable, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { Observable, type Subscription } from 'rxjs';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { AdminStreamClient, type ClientConnection } from './admin-stream-client.js';
import {
  CIRCUIT_BREAKER_ADMIN_OPTIONS,
  STREAM_COALESCE_MS,
} from './circuit-breaker-admin.constants.js';
import { CircuitFrames } from './circuit-frames.js';
import type { ResolvedAdminOptions } from './resolve-admin-options.js';

/**
 * The admin event stream. Each client gets `circuits` (the first 1,000 circuits' stats) on
 * connecting, then `circuit` (one circuit's stats) when that circuit changes state or, checked
 * every `statsIntervalMs`, when its figures moved, and `removed` (`{ name }`) when the registry
 * forgets it. A change costs a name added to each client's set; a flush, at most one every
 * STREAM_COALESCE_MS, reads and serializes each changed circuit once for all clients. The
 * timer and the registry subscription run only while someone listens.
 */
@Injectable()
export class CircuitBreakerAdminEvents implements OnModuleDestroy {
  private readonly clients = new Set<AdminStreamClient>();
  private readonly frames: CircuitFrames;
  private changes: Subscription | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlushAt = -Infinity;
  private closed = false;

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    @Inject(CIRCUIT_BREAKER_ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions,
  ) {
    this.frames = new CircuitFrames(registry);
  }

  /** The stream of one client, whose HTTP response is `connection`. */
  stream(connection: ClientConnection): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      if (this.closed) return subscriber.complete();
      const client: AdminStreamClient = new AdminStreamClient(subscriber, connection, () =>
        client.flush(this.frames.forFlush()),
      );
      this.add(client);
      client.flush(this.frames.forFlush()); // the list, at once
      return () => this.remove(client);
    });
  }

  /**
   * Ends every stream, and any opened later, before the HTTP server closes: `app.close()` waits
   * for open connections, and an event stream never ends by itself.
   */
  onModuleDestroy(): void {
    this.closed = true;
    for (const client of [...this.clients]) client.end();
  }

  private add(client: AdminStreamClient): void {
    this.clients.add(client);
    if (this.clients.size > 1) return;
    this.frames.moved(); // where the periodic checks start from: the list the client gets
    this.changes = this.registry.events$.subscribe(({ circuit }) => this.changed([circuit]));
    this.ticker = setInterval(
      () => this.changed(this.frames.moved()),
      this.options.statsIntervalMs,
    );
  }

  private remove(client: AdminStreamClient): void {
    client.detach();
    this.clients.delete(client);
    if (this.clients.size > 0) return;
    this.changes?.unsubscribe();
    clearInterval(this.ticker);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private changed(names: string[]): void {
    if (names.length === 0) return;
    for (const client of this.clients) for (const name of names) client.changed(name);
    this.flushTimer ??= setTimeout(
      () => this.flush(),
      Math.max(0, this.lastFlushAt + STREAM_COALESCE_MS - performance.now()),
    );
  }

  /** Read after the change has happened, not from inside the circuit's own listener call. */
  private flush(): void {
    this.flushTimer = undefined;
    this.lastFlushAt = performance.now();
    const frames = this.frames.forFlush();
    for (const client of this.clients) client.flush(frames);
  }
}
