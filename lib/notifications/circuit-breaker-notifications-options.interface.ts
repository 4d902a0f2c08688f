/**
 * What a webhook hears of, named as `CircuitState` values are (the states `stats()`, events and
 * metrics show), plus `released`: a circuit closed by `release()` after `forceOpen()` or
 * `disable()`, which is its own event and not `closed`.
 */
export type NotificationEvent =
  'open' | 'half_open' | 'closed' | 'forced_open' | 'disabled' | 'released';

/** One receiver of state-change notifications. */
export interface CircuitBreakerWebhook {
  /** Where each message is POSTed: an absolute `http:` or `https:` URL, without a user or password. */
  url: string;
  /** The changes this webhook hears of. Default: all six. */
  events?: NotificationEvent[];
  /**
   * Sent with every POST, e.g. `{ authorization: 'Bearer …' }`. Their values are never logged
   * nor put in an error; neither is the URL's path or query string, only its origin.
   */
  headers?: Record<string, string>;
  /**
   * `'json'` (default): the change and the circuit's key figures, as JSON.
   * `'slack'`: `{ "text": "…" }`, one readable sentence, for a Slack (or compatible) incoming webhook.
   */
  format?: 'json' | 'slack';
}

/**
 * `CircuitBreakerModule.forRoot({ notifications: { webhooks: [...] } })`: a POST to each webhook
 * when a circuit changes state. Sent off the call path, through a bounded queue per webhook,
 * with a timeout per POST and retries; a receiver that is down or slow costs no call anything.
 *
 * @example
 * CircuitBreakerModule.forRoot({
 *   notifications: {
 *     webhooks: [{ url: process.env.SLACK_WEBHOOK_URL!, format: 'slack', events: ['open', 'closed'] }],
 *   },
 * })
 */
export interface CircuitBreakerNotificationsOptions {
  webhooks: CircuitBreakerWebhook[];
  /**
   * At most one message per circuit and webhook in this many milliseconds; the changes between
   * are folded into the next message, which carries the latest state and is sent when the
   * interval has passed. Default 30 000 (the default open duration); 0 sends every change.
   */
  minIntervalMs?: number;
  /** How long one POST may take before it is abandoned (and retried). Default 5 000. */
  timeoutMs?: number;
  /**
   * Retries of a POST that met a network error, a timeout, a 5xx or a 429. Default 3. Other
   * answers (2xx aside) are not retried.
   */
  retries?: number;
  /** The first retry's delay bound; each next one doubles, drawn at random below it (full jitter). Default 1 000. */
  retryDelayMs?: number;
  /** The largest retry delay bound. Default 30 000. */
  maxRetryDelayMs?: number;
  /** Messages waiting per webhook, at most; past it the oldest is dropped (and counted). Default 1 000. */
  maxQueueSize?: number;
  /**
   * On `app.close()`, how long the messages still waiting may take, each tried once more;
   * whatever is left then is dropped (and counted). Default 1 000; 0 drops them at once.
   */
  shutdownGraceMs?: number;
}
