import { isPlainObject } from '../core/resolve-module-options.js';
import { MAX_TIMER_MS } from '../engine/clock.js';
import type {
  CircuitBreakerNotificationsOptions,
  CircuitBreakerWebhook,
  NotificationEvent,
} from './circuit-breaker-notifications-options.interface.js';
import { NOTIFICATION_EVENTS } from './notification-event.js';

const DEFAULT_MIN_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
const DEFAULT_MAX_QUEUE_SIZE = 1_000;
const DEFAULT_SHUTDOWN_GRACE_MS = 1_000;

/** HTTP's `token`: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the notifier for every POST: `connection: close` is how no socket outlives a message. */
const RESERVED_HEADERS = [
  'connection',
  'content-length',
  'host',
  'keep-alive',
  'transfer-encoding',
];
const OPTIONS = [
  'webhooks',
  'minIntervalMs',
  'timeoutMs',
  'retries',
  'retryDelayMs',
  'maxRetryDelayMs',
  'maxQueueSize',
  'shutdownGraceMs',
];
const WEBHOOK_OPTIONS = ['url', 'events', 'headers', 'format'];

export interface ResolvedWebhook {
  readonly url: string;
  /** What logs and stats show of the URL: its origin, never its path or query (tokens hide there). */
  readonly origin: string;
  readonly events: ReadonlySet<NotificationEvent>;
  readonly headers: Readonly<Record<string, string>>;
  readonly format: 'json' | 'slack';
}

export type ResolvedNotificationsOptions = Required<
  Omit<CircuitBreakerNotificationsOptions, 'webhooks'>
> & { readonly webhooks: readonly ResolvedWebhook[] };

/**
 * Checks `notifications` and fills in the defaults, so that a mistake stops the application at
 * start-up. An error names the option and what it must be; it never repeats a header value or
 * a URL, which may hold a token.
 */
export function resolveNotificationsOptions(
  notifications: CircuitBreakerNotificationsOptions,
): ResolvedNotificationsOptions {
  if (!isPlainObject(notifications)) {
    throw optionError('notifications', 'an object such as { webhooks: [{ url }] }', notifications);
  }
  rejectUnknown('notifications', notifications, OPTIONS);
  const { webhooks } = notifications;
  if (!Array.isArray(webhooks)) {
    throw optionError(
      'notifications.webhooks',
      'an array of { url, events?, headers?, format? }',
      webhooks,
    );
  }
  const interval = (name: keyof CircuitBreakerNotificationsOptions, fallback: number, min = 0) =>
    wholeNumber(`notifications.${name}`, notifications[name] ?? fallback, min);
  const resolved = {
    webhooks: webhooks.map((webhook, i) => resolveWebhook(webhook, `notifications.webhooks[${i}]`)),
    minIntervalMs: interval('minIntervalMs', DEFAULT_MIN_INTERVAL_MS),
    timeoutMs: interval('timeoutMs', DEFAULT_TIMEOUT_MS, 1),
    retries: interval('retries', DEFAULT_RETRIES),
    retryDelayMs: interval('retryDelayMs', DEFAULT_RETRY_DELAY_MS),
    maxRetryDelayMs: interval('maxRetryDelayMs', DEFAULT_MAX_RETRY_DELAY_MS),
    maxQueueSize: interval('maxQueueSize', DEFAULT_MAX_QUEUE_SIZE, 1),
    shutdownGraceMs: interval('shutdownGraceMs', DEFAULT_SHUTDOWN_GRACE_MS),
  };
  if (resolved.maxRetryDelayMs < resolved.retryDelayMs) {
    throw optionError(
      'notifications.maxRetryDelayMs',
      `at least retryDelayMs (${resolved.retryDelayMs})`,
      resolved.maxRetryDelayMs,
    );
  }
  return resolved;
}

function resolveWebhook(webhook: CircuitBreakerWebhook, option: string): ResolvedWebhook {
  if (!isPlainObject(webhook)) throw optionError(option, 'an object such as { url }', webhook);
  rejectUnknown(option, webhook, WEBHOOK_OPTIONS);
  const { url, origin } = checkUrl(webhook.url, `${option}.url`);
  return {
    url,
    origin,
    events: checkEvents(webhook.events, `${option}.events`),
    headers: checkHeaders(webhook.headers, `${option}.headers`),
    format: checkFormat(webhook.format, `${option}.format`),
  };
}

function checkUrl(url: unknown, option: string): { url: string; origin: string } {
  const expected = 'an absolute http: or https: URL';
  if (typeof url !== 'string') throw optionError(option, expected, url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw notificationsError(`${option} must be ${expected}, got a string that is not one`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw notificationsError(`${option} must be ${expected}, got a ${parsed.protocol} URL`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw notificationsError(
      `${option} must not hold a user name or password (fetch refuses them): send credentials in headers`,
    );
  }
  return { url: parsed.href, origin: parsed.origin };
}

function checkEvents(events: unknown, option: string): ReadonlySet<NotificationEvent> {
  if (events === undefined) return new Set(NOTIFICATION_EVENTS);
  const expected = `a non-empty array of ${NOTIFICATION_EVENTS.map((e) => `'${e}'`).join(', ')}`;
  if (!Array.isArray(events) || events.length === 0) throw optionError(option, expected, events);
  for (const event of events) {
    if (!NOTIFICATION_EVENTS.includes(event)) {
      const hint = typeof event === 'string' ? suggestion(event) : '';
      throw notificationsError(
        `${option} must be ${expected}, got unknown event ${JSON.stringify(event) ?? String(event)}${hint}`,
      );
    }
  }
  return new Set(events as NotificationEvent[]);
}

function checkHeaders(headers: unknown, option: string): Readonly<Record<string, string>> {
  if (headers === undefined) return {};
  if (!isPlainObject(headers)) {
    throw notificationsError(
      `${option} must be an object of header names to strings, got ${kind(headers)}`,
    );
  }
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const where = `${option}[${JSON.stringify(name)}]`;
    if (!HEADER_NAME.test(name)) {
      throw notificationsError(`${where}: ${JSON.stringify(name)} is not a valid header name`);
    }
    if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      throw notificationsError(`${where}: the notifier sets this header itself`);
    }
    // The value is never shown: it is most likely a token.
    if (typeof value !== 'string') {
      throw notificationsError(`${where} must be a string, got ${kind(value)}`);
    }
    if (/[\r\n\0]/.test(value)) {
      throw notificationsError(`${where} must be a string without line breaks or NUL`);
    }
    checked[name] = value;
  }
  return checked;
}

function checkFormat(format: unknown, option: string): 'json' | 'slack' {
  if (format === undefined) return 'json';
  if (format === 'json' || format === 'slack') return format;
  throw optionError(option, "'json' or 'slack'", format, true);
}

/** Past MAX_TIMER_MS, setTimeout fires at once: no delay of the notifier may be longer. */
function wholeNumber(option: string, value: unknown, min: number): number {
  if (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= min &&
    value <= MAX_TIMER_MS
  ) {
    return value;
  }
  throw optionError(option, `a whole number in [${min}, ${MAX_TIMER_MS}]`, value);
}

function rejectUnknown(option: string, given: object, known: readonly string[]): void {
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw notificationsError(
      `${option} has an unknown option ${JSON.stringify(unknown)}; known: ${known.join(', ')}`,
    );
  }
}

/** `half-open` or `forced open` as the names of events are spelled. */
function suggestion(event: string): string {
  const spelled = event.toLowerCase().replace(/[\s-]+/g, '_');
  return NOTIFICATION_EVENTS.includes(spelled as NotificationEvent) && spelled !== event
    ? ` (did you mean '${spelled}'?)`
    : '';
}

/**
 * Numbers and booleans are shown as given; a string only when it cannot be a secret (a format's
 * name), for a URL may hold a token.
 */
function optionError(option: string, expected: string, value: unknown, showString = false): Error {
  const shown =
    typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : typeof value === 'string' && showString
        ? JSON.stringify(value)
        : kind(value);
  return notificationsError(`${option} must be ${expected}, got ${shown}`);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? 'an object'
    : typeof value === 'undefined'
      ? 'undefined'
      : `a ${typeof value}`;
}

function notificationsError(message: string): Error {
  return new Error(`CircuitBreakerModule: ${message}`);
}
