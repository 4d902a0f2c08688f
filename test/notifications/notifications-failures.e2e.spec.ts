import {
  startNotifyingApp,
  TRIPPED,
  tripPayments,
  type NotifyingApp,
} from './support/notifying-app.js';
import { spyOnLogs } from './support/logged.js';
import { until, WebhookReceiver } from './support/webhook-receiver.js';

// A receiver that is down, slow, or failing: no protected call notices, nothing said later is
// lost once it is back, and it ends up with every circuit's latest state. Small retry delays
// keep this quick; no assertion depends on how long anything took. The per-request timeout is
// long: only the test of a receiver that does not answer sets a short one, so that on a busy
// machine an answer that comes late is never taken for no answer (and tried again).

const SECRETS = ['h-s3cr3t', 'q-s3cr3t', '/hooks/'];
const fast = {
  minIntervalMs: 0,
  timeoutMs: 15_000,
  retries: 2,
  retryDelayMs: 5,
  maxRetryDelayMs: 20,
};

describe('notifications to a webhook that is down, slow or failing', () => {
  let receiver: WebhookReceiver;
  let app: NotifyingApp | undefined;
  let logs: ReturnType<typeof spyOnLogs>;

  beforeEach(async () => {
    logs = spyOnLogs();
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await receiver.close();
    logs.restore();
    // Whatever happened, no header value, path or query string was logged.
    for (const secret of SECRETS)
      expect(logs.lines.filter((line) => line.includes(secret))).toEqual([]);
  });

  const start = (options: Partial<typeof fast> & { maxQueueSize?: number } = {}) =>
    startNotifyingApp({
      ...fast,
      ...options,
      webhooks: [{ url: receiver.url(), headers: { authorization: 'Bearer h-s3cr3t' } }],
    });

  /** What the receiver was last told of `circuit`. */
  const lastHeard = (circuit: string) =>
    receiver.accepted.filter((body) => body.circuit === circuit).at(-1);

  /** Protected calls while the receiver misbehaves: each ends as its dependency says. */
  async function callsAllEndAsTheyShould(running: NotifyingApp): Promise<void> {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        running.client.record().catch((error: Error) => error.message),
      ),
    );
    expect(outcomes).toEqual(Array(20).fill('recorded'));
  }

  it('down (connection refused): calls go on; once it is back, it gets the latest state and later changes', async () => {
    await receiver.down();
    app = await start();
    const { client, registry, notifier } = app;
    expect(await tripPayments(client)).toEqual(TRIPPED);
    await until('the open message to be given up', () => notifier.stats().failed >= 1);
    expect(notifier.stats().retried).toBeGreaterThanOrEqual(2);
    registry.forceOpen('payments'); // the latest state, said while it is down
    await callsAllEndAsTheyShould(app);
    await until('the forced_open message to fail too', () => notifier.stats().failed >= 2);

    await receiver.up();
    await until('the latest state to arrive', () => lastHeard('payments')?.event === 'forced_open');
    registry.release('payments'); // a later change
    await until('the later change to arrive', () => lastHeard('payments')?.event === 'released');
    expect(registry.get('payments')!.state).toBe('closed');
    expect(
      logs.lines.some((line) => line.startsWith('warn:') && line.includes('ECONNREFUSED')),
    ).toBe(true);
  });

  it('slow (no answer within timeoutMs): each POST is abandoned and retried; once it answers, the latest state arrives', async () => {
    receiver.mode = 'hang';
    app = await start({ timeoutMs: 100 });
    const { client, registry, notifier } = app;
    expect(await tripPayments(client)).toEqual(TRIPPED);
    await until('the open message to time out on every try', () => notifier.stats().failed >= 1);
    expect(notifier.stats().retried).toBeGreaterThanOrEqual(2);
    registry.disable('payments');
    await callsAllEndAsTheyShould(app);

    receiver.mode = 'ok';
    await until('the latest state to arrive', () => lastHeard('payments')?.event === 'disabled');
    registry.release('payments');
    await until('the later change to arrive', () => lastHeard('payments')?.event === 'released');
    expect(
      logs.lines.some(
        (line) => line.startsWith('warn:') && line.includes('no answer within 100 ms'),
      ),
    ).toBe(true);
  });

  it('holds no call while a POST waits for its answer', async () => {
    receiver.mode = 'hang';
    app = await start({ timeoutMs: 60_000 });
    const { client, notifier } = app;
    expect(await tripPayments(client)).toEqual(TRIPPED);
    await until('the receiver to hold the open message', () => receiver.waiting === 1);

    await callsAllEndAsTheyShould(app);
    await expect(client.charge()).rejects.toThrow('Circuit "payments" is open');
    // All of it while the POST was still unanswered.
    expect(receiver.waiting).toBe(1);
    expect(notifier.stats()).toMatchObject({ sent: 0, failed: 0 });

    receiver.mode = 'ok';
    receiver.release();
    await until('the open message to be counted', () => notifier.stats().sent === 1);
    expect(lastHeard('payments')?.event).toBe('open');
  });

  it('answering 500: retried with backoff, given up, and sent again once it answers 2xx', async () => {
    receiver.mode = 500;
    app = await start();
    const { client, registry, notifier } = app;
    expect(await tripPayments(client)).toEqual(TRIPPED);
    await until('the open message to be given up', () => notifier.stats().failed >= 1);
    expect(notifier.stats().retried).toBeGreaterThanOrEqual(2);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(3);
    await callsAllEndAsTheyShould(app);

    receiver.mode = 'ok';
    await until('the open message to arrive', () => lastHeard('payments')?.event === 'open');
    registry.forceOpen('payments');
    await until('the later change to arrive', () => lastHeard('payments')?.event === 'forced_open');
    expect(logs.lines.some((line) => line.startsWith('warn:') && line.includes('HTTP 500'))).toBe(
      true,
    );
    expect(
      logs.lines.some((line) => line.startsWith('log:') && line.includes('accepts messages again')),
    ).toBe(true);
  });

  it('retries a 429, not another 4xx: a refused message is neither retried nor sent again', async () => {
    receiver.mode = 429;
    app = await start();
    const { registry, notifier } = app;
    registry.forceOpen('payments');
    await until('a retry of the 429', () => notifier.stats().retried >= 1);

    receiver.mode = 400;
    registry.getOrCreate('refused').forceOpen();
    await until(
      'the payments message and the refused one to be given up',
      () => notifier.stats().failed >= 2,
    );
    const refusedTries = receiver.requests.filter(({ body }) => body.circuit === 'refused');
    expect(refusedTries.map(({ status }) => status)).toEqual([400]);

    receiver.mode = 'ok';
    registry.release('payments');
    await until('the later change to arrive', () => lastHeard('payments')?.event === 'released');
    await until('the answer to be counted', () => notifier.stats().sent >= 1);
    // payments' last 429 is owed and sent again (or superseded); the 400 never is.
    expect(receiver.requests.filter(({ body }) => body.circuit === 'refused')).toHaveLength(1);
  });

  it('keeps at most maxQueueSize messages waiting: the oldest are dropped and counted, the rest arrive', async () => {
    receiver.mode = 'hang';
    app = await start({ timeoutMs: 60_000, maxQueueSize: 3 });
    const { registry, notifier } = app;
    for (let i = 0; i < 10; i++) registry.getOrCreate(`c${i}`).forceOpen();
    await until('the first message to be held', () => receiver.waiting === 1);
    expect(notifier.stats()).toMatchObject({ queued: 3, dropped: 6, sent: 0 });
    expect(logs.lines.filter((line) => line.includes('the oldest was dropped'))).toHaveLength(1);

    receiver.mode = 'ok';
    receiver.release();
    await until('the queue to drain', () => notifier.stats().sent === 4);
    expect(receiver.accepted.map(({ circuit }) => circuit)).toEqual(['c0', 'c7', 'c8', 'c9']);
    expect(notifier.stats()).toMatchObject({ queued: 0, dropped: 6, failed: 0 });
  });

  it('logs a failing webhook by its origin only: never its path, query string or header values', async () => {
    receiver.mode = 503;
    app = await start({ maxQueueSize: 1 });
    for (let i = 0; i < 3; i++) app.registry.getOrCreate(`c${i}`).forceOpen();
    await until('a message to be given up', () => app!.notifier.stats().failed >= 1);
    // The notifier's warnings (not the module's state-change lines, which name no webhook).
    const warnings = logs.lines.filter(
      (line) => line.startsWith('warn:') && !line.startsWith('warn: Circuit "'),
    );
    expect(warnings.length).toBeGreaterThanOrEqual(2); // the drop, the failure
    for (const warning of warnings)
      expect(warning).toContain(`webhook 0 (http://127.0.0.1:${receiver.port})`);
    expect(app.notifier.stats().webhooks[0]!.origin).toBe(`http://127.0.0.1:${receiver.port}`);
    // The headers did go out: what is kept out of the logs is real.
    expect(receiver.requests[0]!.headers.authorization).toBe('Bearer h-s3cr3t');
    expect(receiver.requests[0]!.body).toMatchObject({ circuit: 'c0' });
  });
});
