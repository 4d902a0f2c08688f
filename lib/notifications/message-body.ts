import type { Notification } from './notification.js';
import { slackText } from './slack-text.js';

/**
 * The body POSTed for `notification`: by default the change and the figures as JSON,
 *
 *   { "event": "open", "circuit": "payments", "from": "closed", "to": "open",
 *     "reason": "consecutive_failures", "at": "…", "skipped": 0, "stats": { … } }
 *
 * and for `slack`, `{ "text": "…" }`.
 */
export function messageBody(notification: Notification, format: 'json' | 'slack'): string {
  if (format === 'slack') return JSON.stringify({ text: slackText(notification) });
  const { event, change, figures, skipped } = notification;
  const { circuit, from, to, reason, at } = change;
  return JSON.stringify({ event, circuit, from, to, reason, at, skipped, stats: figures });
}
