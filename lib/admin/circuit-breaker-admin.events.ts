import { Inject, Injectable, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { auditTime, map, merge, ReplaySubject, takeUntil, timer, type Observable } from 'rxjs';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { CIRCUIT_BREAKER_ADMIN_OPTIONS } from './circuit-breaker-admin.constants.js';
import type { CircuitStats } from '../engine/circuit-stats.js';
import { MAX_LISTED_CIRCUITS, statsOf } from './circuit-list.js';
import type { ResolvedAdminOptions } from './resolve-admin-options.js';

/**
 * The admin event stream: `state` events (a `CircuitStateChange`) as circuits change, and
 * `stats` events (every circuit's `CircuitStats`) on connecting, every `statsIntervalMs`, and
 * right after a change. Each subscriber has its own timer, stopped when it unsubscribes.
 */
@Injectable()
export class CircuitBreakerAdminEvents implements OnModuleDestroy {
  private readonly closing = new ReplaySubject<void>(1);

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    @Inject(CIRCUIT_BREAKER_ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions,
  ) {}

  stream(): Observable<MessageEvent> {
    const changes = this.registry.events$.pipe(
      map((change): MessageEvent => ({ type: 'state', data: change })),
    );
    // Read after the change has happened, not from inside the circuit's own listener call.
    const snapshots = merge(
      timer(0, this.options.statsIntervalMs),
      changes.pipe(auditTime(0)),
    ).pipe(map((): MessageEvent => ({ type: 'stats', data: this.snapshot() })));
    return merge(changes, snapshots).pipe(takeUntil(this.closing));
  }

  /** The first circuits' stats: a snapshot stays small, however many circuits there are. */
  private snapshot(): CircuitStats[] {
    return statsOf(this.registry.all(), { offset: 0, limit: MAX_LISTED_CIRCUITS });
  }

  /**
   * Ends every stream, and any opened later, before the HTTP server closes: `app.close()` waits
   * for open connections, and an event stream never ends by itself.
   */
  onModuleDestroy(): void {
    this.closing.next();
    this.closing.complete();
  }
}
