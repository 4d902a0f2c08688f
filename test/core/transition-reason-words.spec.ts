import { jest } from '@jest/globals';
import { DASHBOARD_TIMELINE_SCRIPT } from '../../lib/admin/dashboard-timeline.script.js';
import { stateChangeLine } from '../../lib/core/state-change-line.js';
import {
  Circuit,
  CircuitState,
  type CircuitStateChange,
  type CircuitTransitionReason,
} from '../../lib/index.js';
import { messageBody } from '../../lib/notifications/message-body.js';
import type { KeyFigures } from '../../lib/notifications/notification.js';
import { eventOf } from '../../lib/notifications/notification-event.js';
import { slackText } from '../../lib/notifications/slack-text.js';

// Every place that shows why a circuit changed state says it in words, for every reason: the
// log line, the dashboard's timeline, Slack. A reason added to the engine must be added here
// (the compiler asks for it), and then to each of them.

const EVERY_REASON: Record<CircuitTransitionReason, true> = {
  consecutive_failures: true,
  failure_rate: true,
  slow_call_rate: true,
  reset_timeout_elapsed: true,
  probe_failed: true,
  probe_timed_out: true,
  probes_succeeded: true,
  retry_after: true,
  reset: true,
  forced_open: true,
  disabled: true,
  released: true,
  shared: true,
  restored: true,
};
const reasons = Object.keys(EVERY_REASON) as CircuitTransitionReason[];

const NAME = 'outbound:https://api.example.com';

function change(reason: CircuitTransitionReason, to = CircuitState.Open): CircuitStateChange {
  return { circuit: NAME, from: CircuitState.Closed, to, reason, at: '2026-12-06T10:00:00.000Z' };
}

describe('transition reasons in words', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each(reasons)('the log line says %s in words', (reason) => {
    const { message } = stateChangeLine(new Circuit(NAME), change(reason));
    expect(message).not.toContain(`(${reason})`);
  });

  it.each(reasons)('the dashboard’s timeline says %s in words', (reason) => {
    expect(DASHBOARD_TIMELINE_SCRIPT).toMatch(new RegExp(`\\n\\s+${reason}: \\(`));
  });

  it('logs a hold as an opening, a warning, with the time the upstream asked for', () => {
    const circuit = new Circuit(NAME);
    circuit.holdOpen(30_000);
    expect(stateChangeLine(circuit, change('retry_after'))).toEqual({
      level: 'warn',
      message:
        'Circuit "outbound:https://api.example.com" opened (the dependency asked for room with ' +
        'Retry-After): calls are refused, retry after 30 s',
    });
  });

  it('notifies a hold as an opening: the webhook’s JSON names the reason, Slack says it', () => {
    const figures = { retryAfterMs: 30_000 } as KeyFigures;
    const notification = { event: eventOf(change('retry_after'))!, change: change('retry_after') };
    expect(notification.event).toBe('open');
    const json = JSON.parse(messageBody({ ...notification, figures, skipped: 0 }, 'json'));
    expect(json).toMatchObject({ event: 'open', to: 'open', reason: 'retry_after' });
    expect(slackText({ ...notification, figures, skipped: 0 })).toBe(
      ':red_circle: Circuit *outbound:https://api.example.com* opened (the dependency asked for ' +
        'room with Retry-After): calls are refused for 30 s.',
    );
  });
});
