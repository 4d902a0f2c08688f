import type { CircuitStateChange } from '../engine/circuit-state.js';
import type { CircuitStats } from '../engine/circuit-stats.js';
import type { NotificationEvent } from './circuit-breaker-notifications-options.interface.js';

/** What a message says of the circuit besides its change: counts and rates, never an error. */
export type KeyFigures = Pick<
  CircuitStats,
  | 'consecutiveFailures'
  | 'failures'
  | 'timeouts'
  | 'rejections'
  | 'totalCalls'
  | 'windowCalls'
  | 'failureRate'
  | 'slowCallRate'
  | 'openUntil'
  | 'retryAfterMs'
>;

/** One state change on its way to one webhook. */
export interface Notification {
  readonly event: NotificationEvent;
  readonly change: CircuitStateChange;
  readonly figures: KeyFigures;
  /** Changes of the same circuit folded into this one since the webhook's previous message. */
  readonly skipped: number;
}

export function keyFigures(stats: CircuitStats): KeyFigures {
  return {
    consecutiveFailures: stats.consecutiveFailures,
    failures: stats.failures,
    timeouts: stats.timeouts,
    rejections: stats.rejections,
    totalCalls: stats.totalCalls,
    windowCalls: stats.windowCalls,
    failureRate: stats.failureRate,
    slowCallRate: stats.slowCallRate,
    openUntil: stats.openUntil,
    retryAfterMs: stats.retryAfterMs,
  };
}

/** `notification` in place of `earlier`, which it stands for too. */
export function folded(notification: Notification, earlier: Notification): Notification {
  return { ...notification, skipped: notification.skipped + earlier.skipped + 1 };
}
