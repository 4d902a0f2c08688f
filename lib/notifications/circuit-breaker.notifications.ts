import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { CIRCUIT_BREAKER_OPTIONS } from '../core/circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { Circuit } from '../engine/circuit.js';
import type { CircuitStateChange } from '../engine/circuit-state.js';
import { reportCallbackError } from '../engine/report-callback-error.js';
import type { CircuitBreakerNotificationsOptions } from './circuit-breaker-notifications-options.interface.js';
import { keyFigures } from './notification.js';
import { eventOf } from './notification-event.js';
import {
  resolveNotificationsOptions,
  type ResolvedNotificationsOptions,
} from './resolve-notifications-options.js';
import { WebhookChannel, type WebhookDeliveryStats } from './webhook-channel.js';

/** What became of the notifications since start-up: every webhook's counts, and their sums. */
export interface NotificationStats extends Omit<WebhookDeliveryStats, 'origin'> {
  /** Per webhook, in the order of the options. */
  readonly webhooks: WebhookDeliveryStats[];
}

/**
 * Posts every circuit's state changes to the webhooks of the module's `notifications` option
 * (see `CircuitBreakerNotificationsOptions`). Without it this does nothing.
 *
 * A protected call only ever pushes its circuit's change onto a list: the change is read,
 * filtered, damped and queued in a microtask after it, and sent from there on.
 */
@Injectable()
export class CircuitBreakerNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitBreakerNotifications');
  private readonly options: ResolvedNotificationsOptions | undefined;
  private channels: WebhookChannel[] = [];
  private detach: (() => void) | undefined;
  private heard: Array<readonly [Circuit, CircuitStateChange]> = [];
  private dispatchQueued = false;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS)
    { notifications }: { notifications?: CircuitBreakerNotificationsOptions },
    private readonly circuits: CircuitBreakerRegistry,
  ) {
    this.options =
      notifications === undefined ? undefined : resolveNotificationsOptions(notifications);
  }

  onModuleInit(): void {
    const options = this.options;
    if (options === undefined || options.webhooks.length === 0) return;
    this.channels = options.webhooks.map(
      (webhook, i) =>
        new WebhookChannel(webhook, `webhook ${i} (${webhook.origin})`, options, this.logger),
    );
    this.detach = this.circuits.attach(this.watch);
  }

  /** Messages sent, failed, retried, dropped and waiting, per webhook and in all. */
  stats(): NotificationStats {
    const webhooks = this.channels.map((channel) => channel.stats());
    const sum = (count: keyof Omit<WebhookDeliveryStats, 'origin'>) =>
      webhooks.reduce((total, webhook) => total + webhook[count], 0);
    return {
      sent: sum('sent'),
      failed: sum('failed'),
      retried: sum('retried'),
      dropped: sum('dropped'),
      queued: sum('queued'),
      webhooks,
    };
  }

  /**
   * Stops hearing of changes and gives what waits `shutdownGraceMs` to go (the latest state of
   * a circuit that damping held back included); the rest is dropped. No timer, request or
   * socket of the notifier outlives this.
   */
  async onApplicationShutdown(): Promise<void> {
    this.detach?.();
    this.detach = undefined;
    this.dispatch();
    const grace = this.options?.shutdownGraceMs ?? 0;
    await Promise.all(this.channels.map((channel) => channel.close(grace)));
  }

  private readonly watch = (circuit: Circuit): (() => void) => {
    const unsubscribe = circuit.subscribe((change) => this.hear(circuit, change));
    return () => {
      unsubscribe();
      for (const channel of this.channels) channel.forget(circuit.name);
    };
  };

  // On the call path (the call that trips a circuit): O(1), nothing read, nothing sent.
  private hear(circuit: Circuit, change: CircuitStateChange): void {
    this.heard.push([circuit, change]);
    if (this.dispatchQueued) return;
    this.dispatchQueued = true;
    queueMicrotask(this.dispatch);
  }

  // Reads the figures after the change, not from inside the circuit's own listener call.
  private readonly dispatch = (): void => {
    this.dispatchQueued = false;
    const heard = this.heard;
    this.heard = [];
    const now = performance.now();
    for (const [circuit, change] of heard) {
      const event = eventOf(change);
      if (event === undefined) continue;
      try {
        const notification = { event, change, figures: keyFigures(circuit.stats()), skipped: 0 };
        for (const channel of this.channels) channel.offer(notification, now);
      } catch (error) {
        // A microtask that throws would take the process down: report it, go on with the rest.
        reportCallbackError(error, 'CircuitBreakerNotifications');
      }
    }
  };
}
