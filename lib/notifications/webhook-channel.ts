import { DeliveryQueue } from './delivery-queue.js';
import { FlapDamper } from './flap-damper.js';
import { messageBody } from './message-body.js';
import { folded, type Notification } from './notification.js';
import type {
  ResolvedNotificationsOptions,
  ResolvedWebhook,
} from './resolve-notifications-options.js';
import { retryDelayMs } from './retry-delay.js';
import { postMessage, type PostResult } from './webhook-post.js';

/** What became of one webhook's messages since start-up. */
export interface WebhookDeliveryStats {
  /** The webhook's origin (scheme, host and port): never its path or query. */
  readonly origin: string;
  /** Messages the receiver accepted (2xx). */
  readonly sent: number;
  /** Messages given up: refused (a 4xx other than 429), or failed on every try. */
  readonly failed: number;
  /** Tries that failed and were tried again. */
  readonly retried: number;
  /** Messages dropped: the oldest when the queue was full, and those left when shutdown's grace ran out. */
  readonly dropped: number;
  /** Messages waiting to be sent now. */
  readonly queued: number;
}

interface NotificationLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Everything between a circuit's state change and one webhook: the event filter, per-circuit
 * damping, a bounded queue, and one sender that POSTs the messages in order, one at a time, so
 * that a receiver never hears an older state of a circuit after a newer one.
 *
 * A message that fails for good is kept when it is its circuit's latest (`owed`): it is sent
 * again as soon as the receiver accepts another message, and one owed message is tried every
 * `maxRetryDelayMs` meanwhile, so that a receiver that was down ends up with every circuit's
 * latest state even if nothing changes once it is back.
 */
export class WebhookChannel {
  private readonly damper: FlapDamper<Notification>;
  private readonly queue: DeliveryQueue<Notification>;
  private readonly owed = new Map<string, Notification>();
  private owedTimer: ReturnType<typeof setTimeout> | undefined;
  private sending: Promise<void> | undefined;
  /** Aborts the POST in flight and ends every wait: shutdown's grace is over. */
  private readonly stop = new AbortController();
  private closed = false;
  /** Ends the retry wait in progress (shutdown: each message gets one more try, at once). */
  private wake: (() => void) | undefined;
  /** Whether a failure or a drop was logged since the last message went through: one warning each. */
  private warnedFailure = false;
  private warnedDrop = false;
  private sent = 0;
  private failed = 0;
  private retried = 0;
  private dropped = 0;

  constructor(
    private readonly webhook: ResolvedWebhook,
    private readonly name: string,
    private readonly options: ResolvedNotificationsOptions,
    private readonly logger: NotificationLogger,
  ) {
    this.damper = new FlapDamper(options.minIntervalMs, folded, this.enqueue);
    this.queue = new DeliveryQueue(options.maxQueueSize);
  }

  /** Takes a change in, when this webhook hears of its event; sends it now or later. */
  offer(notification: Notification, now: number): void {
    if (this.closed || !this.webhook.events.has(notification.event)) return;
    this.damper.offer(notification.change.circuit, notification, now);
  }

  /** The circuit was removed: nothing more will come of it. */
  forget(circuit: string): void {
    this.damper.forget(circuit);
  }

  stats(): WebhookDeliveryStats {
    const { sent, failed, retried, dropped } = this;
    return {
      origin: this.webhook.origin,
      sent,
      failed,
      retried,
      dropped,
      queued: this.queue.length,
    };
  }

  /**
   * Shutdown: takes nothing more in, queues what damping holds back and what is owed (the
   * latest states), and gives it `graceMs` to go, each message tried once more at most; what is
   * left then is dropped. Resolves when no POST, timer or wait of this channel is left.
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.owedTimer);
    this.damper.flush();
    this.requeueOwed();
    this.wake?.();
    if (graceMs === 0) this.stop.abort();
    else this.kick();
    const deadline = graceMs === 0 ? undefined : setTimeout(() => this.stop.abort(), graceMs);
    try {
      await this.sending;
    } finally {
      clearTimeout(deadline);
      this.dropped += this.queue.clear();
    }
  }

  private readonly enqueue = (circuit: string, notification: Notification): void => {
    this.owed.delete(circuit);
    this.push(circuit, notification);
    if (!this.closed) this.kick();
  };

  private push(circuit: string, notification: Notification): void {
    if (this.queue.push(circuit, notification) !== undefined) this.countDrop();
  }

  private requeueOwed(): void {
    for (const [circuit, notification] of this.owed) this.push(circuit, notification);
    this.owed.clear();
  }

  private kick(): void {
    if (this.sending === undefined && this.queue.length > 0) this.sending = this.send();
  }

  // One message at a time, in order. `sending` is cleared in the same turn the queue is found
  // empty, so that a message queued later starts a new sender.
  private async send(): Promise<void> {
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        if (this.stop.signal.aborted) {
          this.dropped++;
          continue;
        }
        try {
          await this.deliver(next.key, next.item);
        } catch (error) {
          // Not expected (a POST's failures are results): still, one message must not stop the rest.
          this.failed++;
          this.logger.warn(`${this.name}: a message could not be sent: ${(error as Error)?.name}`);
        }
      }
    } finally {
      this.sending = undefined;
    }
  }

  private async deliver(circuit: string, notification: Notification): Promise<void> {
    const body = messageBody(notification, this.webhook.format);
    for (let retry = 0; ; retry++) {
      const result = await postMessage(
        this.webhook,
        body,
        this.options.timeoutMs,
        this.stop.signal,
      );
      if (result.ok) return this.delivered();
      if (this.closed) {
        // Shutdown: one more try at most, and no waiting.
        if (result.retry && retry === 0 && !this.stop.signal.aborted) continue;
        if (result.retry || this.stop.signal.aborted) this.dropped++;
        else this.failed++;
        return;
      }
      // A newer state of this circuit waits in the queue: this one no longer matters.
      const superseded = this.queue.has(circuit);
      if (!result.retry || retry >= this.options.retries || superseded) {
        return this.giveUp(circuit, notification, result, retry + 1, superseded);
      }
      this.retried++;
      await this.pause(
        retryDelayMs(
          retry,
          this.options.retryDelayMs,
          this.options.maxRetryDelayMs,
          result.retryAfterMs,
        ),
      );
    }
  }

  private delivered(): void {
    this.sent++;
    this.warnedDrop = false;
    if (this.warnedFailure) {
      this.warnedFailure = false;
      this.logger.log(`${this.name} accepts messages again`);
    }
    if (this.owed.size === 0) return;
    clearTimeout(this.owedTimer);
    this.owedTimer = undefined;
    this.requeueOwed();
  }

  private giveUp(
    circuit: string,
    notification: Notification,
    result: Exclude<PostResult, { ok: true }>,
    tries: number,
    superseded: boolean,
  ): void {
    this.failed++;
    if (!this.warnedFailure) {
      this.warnedFailure = true;
      this.logger.warn(
        `${this.name}: a message for circuit "${circuit}" was not delivered (${result.problem}, ` +
          `${tries} ${tries === 1 ? 'try' : 'tries'}); later messages are still sent, and this one again ` +
          'once the receiver accepts one (no more warnings until then)',
      );
    }
    if (!result.retry || superseded) return;
    this.owed.set(circuit, notification);
    this.owedTimer ??= setTimeout(() => this.retryOwed(), this.options.maxRetryDelayMs).unref();
  }

  /** Tries the oldest owed message again: when it goes through, the others follow. */
  private retryOwed(): void {
    this.owedTimer = undefined;
    const [first] = this.owed;
    if (first === undefined) return;
    this.owed.delete(first[0]);
    this.push(first[0], first[1]);
    this.kick();
  }

  private countDrop(): void {
    this.dropped++;
    if (this.warnedDrop) return;
    this.warnedDrop = true;
    this.logger.warn(
      `${this.name}: more than ${this.options.maxQueueSize} messages waiting, the oldest was dropped ` +
        '(no more warnings until a message goes through)',
    );
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
