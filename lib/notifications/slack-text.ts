import type { CircuitTransitionReason } from '../engine/circuit-state.js';
import type { NotificationEvent } from './circuit-breaker-notifications-options.interface.js';
import type { KeyFigures, Notification } from './notification.js';

const MARK: Record<NotificationEvent, string> = {
  open: ':red_circle:',
  forced_open: ':red_circle:',
  half_open: ':large_yellow_circle:',
  closed: ':large_green_circle:',
  released: ':large_green_circle:',
  disabled: ':white_circle:',
};

/** One sentence for a person reading a chat channel: what happened, why, and what calls meet now. */
export function slackText({ event, change, figures, skipped }: Notification): string {
  const name = `*${escape(change.circuit)}*`;
  const earlier =
    skipped === 0
      ? ''
      : ` (${skipped} earlier change${skipped === 1 ? '' : 's'} not sent on their own)`;
  return `${MARK[event]} Circuit ${name} ${sentence(event, change.reason, figures)}${earlier}`;
}

function sentence(
  event: NotificationEvent,
  reason: CircuitTransitionReason,
  figures: KeyFigures,
): string {
  switch (event) {
    case 'open':
      return `opened (${why(reason, figures)}): calls are refused for ${seconds(figures.retryAfterMs)}.`;
    case 'half_open':
      return 'is half-open: its open period is over, a few probe calls go through.';
    case 'closed':
      return reason === 'reset'
        ? 'was reset: closed, calls go through.'
        : 'closed: probes succeeded, calls go through again.';
    case 'forced_open':
      return 'was forced open: every call is refused until it is released.';
    case 'disabled':
      return 'was disabled: every call goes through and it never opens, until it is released.';
    case 'released':
      return 'was released: closed, calls go through again.';
  }
}

function why(reason: CircuitTransitionReason, figures: KeyFigures): string {
  switch (reason) {
    case 'consecutive_failures':
      return `${figures.consecutiveFailures} consecutive failures`;
    case 'failure_rate':
      return `${percent(figures.failureRate)} of ${figures.windowCalls} calls failed`;
    case 'slow_call_rate':
      return `${percent(figures.slowCallRate)} of ${figures.windowCalls} calls were slow`;
    case 'probe_failed':
      return 'a probe call failed';
    case 'probe_timed_out':
      return 'a probe call ran too long';
    case 'retry_after':
      return 'the dependency asked for room with Retry-After';
    default:
      return reason.replaceAll('_', ' ');
  }
}

const percent = (rate: number) => `${Math.round(rate * 100)}%`;

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.ceil(ms / 1_000)} s`;
}

/** Slack reads `&`, `<` and `>` as markup. */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
