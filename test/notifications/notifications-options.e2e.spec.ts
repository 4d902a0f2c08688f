import {
  CircuitBreakerModule,
  CircuitBreakerNotifications,
  type CircuitBreakerModuleOptions,
} from '../../lib/index.js';
import { moduleOf, startApp, startupError } from '../core/support/start-app.js';

// Options of the wrong shape stop the app at start-up, naming the option; no message repeats
// a header value or a URL, which may hold a token.

const url = 'https://hooks.example.com/services/T0/B0?token=q-s3cr3t';
const webhook = (extra: Record<string, unknown>) => ({ webhooks: [{ url, ...extra }] });

describe('notifications options', () => {
  it.each<[string, unknown, string]>([
    [
      'a string',
      'https://hooks.example.com',
      'notifications must be an object such as { webhooks: [{ url }] }, got a string',
    ],
    [
      'no webhooks',
      {},
      'notifications.webhooks must be an array of { url, events?, headers?, format? }, got undefined',
    ],
    [
      'an unknown option',
      { webhooks: [], minInterval: 5 },
      'notifications has an unknown option "minInterval"; known: webhooks, minIntervalMs,',
    ],
    [
      'a webhook of null',
      { webhooks: [null] },
      'notifications.webhooks[0] must be an object such as { url }, got null',
    ],
    [
      'an unknown webhook option',
      webhook({ event: ['open'] }),
      'notifications.webhooks[0] has an unknown option "event"; known: url, events, headers, format',
    ],
    [
      'a url that is no URL',
      { webhooks: [{ url: 'hooks.example.com/q-s3cr3t' }] },
      'notifications.webhooks[0].url must be an absolute http: or https: URL, got a string that is not one',
    ],
    [
      'an ftp url',
      { webhooks: [{ url: 'ftp://hooks.example.com/q-s3cr3t' }] },
      'notifications.webhooks[0].url must be an absolute http: or https: URL, got a ftp: URL',
    ],
    [
      'a url with a password',
      { webhooks: [{ url: 'https://bot:q-s3cr3t@hooks.example.com/' }] },
      'notifications.webhooks[0].url must not hold a user name or password (fetch refuses them): send credentials in headers',
    ],
    [
      'a url as a number',
      { webhooks: [{ url: 42 }] },
      'notifications.webhooks[0].url must be an absolute http: or https: URL, got 42',
    ],
    [
      'an unknown event',
      webhook({ events: ['open', 'half-open'] }),
      `notifications.webhooks[0].events must be a non-empty array of 'open', 'half_open', 'closed', 'forced_open', 'disabled', 'released', got unknown event "half-open" (did you mean 'half_open'?)`,
    ],
    [
      'no events',
      webhook({ events: [] }),
      'notifications.webhooks[0].events must be a non-empty array of',
    ],
    [
      'a header value that is a number',
      webhook({ headers: { authorization: 12345 } }),
      'notifications.webhooks[0].headers["authorization"] must be a string, got a number',
    ],
    [
      'a header value with a line break',
      webhook({ headers: { 'x-token': 'h-s3cr3t\r\nx-evil: 1' } }),
      'notifications.webhooks[0].headers["x-token"] must be a string without line breaks or NUL',
    ],
    [
      'a header name with a space',
      webhook({ headers: { 'x token': 'h-s3cr3t' } }),
      'notifications.webhooks[0].headers["x token"]: "x token" is not a valid header name',
    ],
    [
      'a header the notifier sets',
      webhook({ headers: { Connection: 'keep-alive' } }),
      'notifications.webhooks[0].headers["Connection"]: the notifier sets this header itself',
    ],
    [
      'headers as an array',
      webhook({ headers: ['h-s3cr3t'] }),
      'notifications.webhooks[0].headers must be an object of header names to strings, got an array',
    ],
    [
      'an unknown format',
      webhook({ format: 'teams' }),
      `notifications.webhooks[0].format must be 'json' or 'slack', got "teams"`,
    ],
    [
      'a negative minIntervalMs',
      { ...webhook({}), minIntervalMs: -1 },
      'notifications.minIntervalMs must be a whole number in [0, 2147483647], got -1',
    ],
    [
      'timeoutMs 0',
      { ...webhook({}), timeoutMs: 0 },
      'notifications.timeoutMs must be a whole number in [1, 2147483647], got 0',
    ],
    [
      'retries 1.5',
      { ...webhook({}), retries: 1.5 },
      'notifications.retries must be a whole number in [0, 2147483647], got 1.5',
    ],
    [
      'a retryDelayMs string',
      { ...webhook({}), retryDelayMs: '100' },
      'notifications.retryDelayMs must be a whole number in [0, 2147483647], got a string',
    ],
    [
      'a maxRetryDelayMs under retryDelayMs',
      { ...webhook({}), retryDelayMs: 500, maxRetryDelayMs: 100 },
      'notifications.maxRetryDelayMs must be at least retryDelayMs (500), got 100',
    ],
    [
      'maxQueueSize 0',
      { ...webhook({}), maxQueueSize: 0 },
      'notifications.maxQueueSize must be a whole number in [1, 2147483647], got 0',
    ],
    [
      'a negative shutdownGraceMs',
      { ...webhook({}), shutdownGraceMs: -5 },
      'notifications.shutdownGraceMs must be a whole number in [0, 2147483647], got -5',
    ],
    [
      'a delay past setTimeout’s range',
      { ...webhook({}), minIntervalMs: 2 ** 31 },
      'notifications.minIntervalMs must be a whole number in [0, 2147483647], got 2147483648',
    ],
  ])('with %s fails start-up, naming the option', async (_case, notifications, message) => {
    const options = { notifications } as CircuitBreakerModuleOptions;
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot(options)] }),
    );
    expect((error as Error).message).toContain(`CircuitBreakerModule: ${message}`);
    expect((error as Error).message).not.toMatch(/s3cr3t|hooks\.example\.com/);
  });

  it('fails start-up the same through forRootAsync', async () => {
    const error = await startupError(
      moduleOf({
        imports: [
          CircuitBreakerModule.forRootAsync({
            useFactory: async () => ({
              notifications: webhook({ headers: { authorization: true } }) as never,
            }),
          }),
        ],
      }),
    );
    expect((error as Error).message).toContain(
      'notifications.webhooks[0].headers["authorization"] must be a string, got a boolean',
    );
  });

  it('starts with valid options, and counts nothing until something happens', async () => {
    const running = await startApp(
      moduleOf({
        imports: [
          CircuitBreakerModule.forRoot({
            notifications: {
              webhooks: [
                {
                  url,
                  events: ['open', 'closed'],
                  headers: { authorization: 'Bearer h-s3cr3t' },
                  format: 'slack',
                },
              ],
              minIntervalMs: 0,
              retries: 0,
              retryDelayMs: 0,
              shutdownGraceMs: 0,
            },
          }),
        ],
      }),
    );
    try {
      expect(running.get(CircuitBreakerNotifications).stats()).toEqual({
        sent: 0,
        failed: 0,
        retried: 0,
        dropped: 0,
        queued: 0,
        webhooks: [
          {
            origin: 'https://hooks.example.com',
            sent: 0,
            failed: 0,
            retried: 0,
            dropped: 0,
            queued: 0,
          },
        ],
      });
    } finally {
      await running.close();
    }
  });

  it('does nothing without the option, or with no webhook', async () => {
    for (const options of [{}, { notifications: { webhooks: [] } }]) {
      const running = await startApp(
        moduleOf({ imports: [CircuitBreakerModule.forRoot(options)] }),
      );
      try {
        expect(running.get(CircuitBreakerNotifications).stats()).toEqual({
          sent: 0,
          failed: 0,
          retried: 0,
          dropped: 0,
          queued: 0,
          webhooks: [],
        });
      } finally {
        await running.close();
      }
    }
  });
});
