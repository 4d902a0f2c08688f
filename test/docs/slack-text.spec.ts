import { readFileSync } from 'node:fs';
import { CircuitState } from '../../lib/engine/circuit-state.js';
import type { KeyFigures, Notification } from '../../lib/notifications/notification.js';
import { slackText } from '../../lib/notifications/slack-text.js';

// docs/notifications.md shows what format: 'slack' posts: the lines it shows are the ones the
// code writes for those changes.

const page = readFileSync(new URL('../../docs/notifications.md', import.meta.url), 'utf8');
const shown = /<!-- slack-text[^>]*-->\s*```\n([\s\S]*?)```/.exec(page)?.[1]?.trim().split('\n');

const figures: KeyFigures = {
  consecutiveFailures: 5,
  failures: 25,
  timeouts: 0,
  rejections: 0,
  totalCalls: 412,
  windowCalls: 40,
  failureRate: 0.62,
  slowCallRate: 0,
  openUntil: '2026-12-01T10:15:32.114Z',
  retryAfterMs: 30_000,
};

function notification(
  event: Notification['event'],
  reason: Notification['change']['reason'],
  skipped = 0,
): Notification {
  const [from, to] =
    event === 'open'
      ? [CircuitState.Closed, CircuitState.Open]
      : [CircuitState.HalfOpen, CircuitState.Closed];
  const change = { circuit: 'payments', from, to, reason, at: '2026-12-01T10:15:02.114Z' };
  return { event, change, figures, skipped };
}

describe('the Slack messages docs/notifications.md shows', () => {
  it('are the lines slackText() writes for an opening, a recovery and a damped opening', () => {
    expect(shown).toEqual([
      slackText(notification('open', 'consecutive_failures')),
      slackText(notification('closed', 'probes_succeeded')),
      slackText(notification('open', 'failure_rate', 3)),
    ]);
  });
});
