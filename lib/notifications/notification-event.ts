import type { CircuitState, CircuitStateChange } from '../engine/circuit-state.js';
import type { NotificationEvent } from './circuit-breaker-notifications-options.interface.js';

/** Every event, in the order a webhook's `events` are described in. */
export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = [
  'open',
  'half_open',
  'closed',
  'forced_open',
  'disabled',
  'released',
];

/**
 * The event a change is, or `undefined` for one that is not notified: a state adopted from
 * another replica (reason `shared`) is announced by the replica where it happened, not by every
 * replica that follows it; one restored from a snapshot (reason `restored`) was announced when it
 * happened, not at each start-up that restores it.
 */
export function eventOf({ to, reason }: CircuitStateChange): NotificationEvent | undefined {
  if (reason === 'shared' || reason === 'restored') return undefined;
  return reason === 'released' ? 'released' : (to as `${CircuitState}`);
}
