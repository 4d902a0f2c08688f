import { InMemoryCircuitStore, type CircuitStateChange } from '../../lib/index.js';
import {
  DEPENDENCY_ERROR,
  startNotifyingApp,
  TRIPPED,
  tripPayments,
  type NotifyingApp,
} from './support/notifying-app.js';
import { until, WebhookReceiver } from './support/webhook-receiver.js';

// A receiver that is up: what reaches it, in what form, how often.

// Retries come quickly. The receiver answers at once, but runs in this test's process: on a
// machine loaded by other work, a request may wait seconds for its answer, which no test here
// is about, so the per-request timeout is long.
const fast = { timeoutMs: 15_000, retries: 2, retryDelayMs: 5, maxRetryDelayMs: 20 };

describe('notifications to a webhook that is up', () => {
  let receiver: WebhookReceiver;
  let app: NotifyingApp | undefined;

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await receiver.close();
  });

  /** The messages of `circuit`, once a change of another circuit, sent after them, has arrived. */
  async function messagesOf(circuit: string): Promise<Array<Record<string, unknown>>> {
    const marker = `sentinel-${receiver.requests.length}`;
    const sentinel = app!.registry.getOrCreate(marker);
    sentinel.forceOpen();
    sentinel.release();
    await until(`the ${marker} messages`, () =>
      receiver.accepted.some(
        (body) =>
          (body.circuit === marker && body.event === 'released') ||
          String(body.text).includes(`*${marker}* was released`),
      ),
    );
    return receiver.accepted.filter(
      (body) => body.circuit === circuit || String(body.text).includes(`*${circuit}*`),
    );
  }

  it('posts each state change once, as JSON: the change and the circuit’s figures, with the headers', async () => {
    app = await startNotifyingApp(
      {
        ...fast,
        minIntervalMs: 0,
        webhooks: [
          {
            url: receiver.url(),
            headers: { authorization: 'Bearer h-s3cr3t', 'X-Team': 'payments' },
          },
        ],
      },
      { payments: { resetTimeoutMs: 1 } },
    );
    const { client, registry } = app;
    const changes: CircuitStateChange[] = [];
    registry.events$.subscribe((change) => change.circuit === 'payments' && changes.push(change));

    client.down = true;
    for (let i = 0; i < 2; i++) await expect(client.charge()).rejects.toThrow(DEPENDENCY_ERROR);
    client.down = false;
    const payments = registry.get('payments')!;
    await until('payments to be half-open', () => payments.state === 'half_open');
    expect(await client.charge()).toBe('charged'); // the probe closes it
    registry.forceOpen('payments');
    registry.release('payments');
    registry.disable('payments');
    registry.reset('payments');

    const messages = await messagesOf('payments');
    expect(messages.map(({ event }) => event)).toEqual([
      'open',
      'half_open',
      'closed',
      'forced_open',
      'released',
      'disabled',
      'closed',
    ]);
    // Each is the change as events$ gave it.
    expect(
      messages.map(({ from, to, reason, at }) => ({ circuit: 'payments', from, to, reason, at })),
    ).toEqual(
      changes.map(({ circuit, from, to, reason, at }) => ({ circuit, from, to, reason, at })),
    );
    expect(JSON.stringify(receiver.requests)).not.toContain('boom'); // never an error message
    expect(DEPENDENCY_ERROR).toContain('boom');
    for (const { headers } of receiver.requests) {
      expect(headers).toMatchObject({
        'content-type': 'application/json',
        authorization: 'Bearer h-s3cr3t',
        'x-team': 'payments',
        connection: 'close', // no socket of fetch's pool outlives a message
      });
    }
    const { notifier } = app;
    // Every message accounted for (answered, or given up), then the figures: what went wrong,
    // if anything, shows in the diff below rather than as a wait given up.
    const accounted = () => {
      const { sent, failed, dropped } = notifier.stats();
      return sent + failed + dropped >= 9;
    };
    await until('every message to be accounted for', accounted, 30_000);
    expect(notifier.stats()).toMatchObject({
      sent: 9,
      failed: 0,
      retried: 0,
      dropped: 0,
      queued: 0,
    });
    expect(receiver.requests).toHaveLength(9); // 7, and the sentinel's 2
  });

  it('puts the circuit’s figures at the change in the JSON body, never an error message', async () => {
    app = await startNotifyingApp({
      ...fast,
      minIntervalMs: 0,
      webhooks: [{ url: receiver.url() }],
    });
    const changes: CircuitStateChange[] = [];
    app.registry.events$.subscribe((change) => changes.push(change));
    expect(await tripPayments(app.client)).toEqual(TRIPPED);

    const [opened] = await messagesOf('payments');
    expect(opened).toEqual({
      event: 'open',
      circuit: 'payments',
      from: 'closed',
      to: 'open',
      reason: 'consecutive_failures',
      at: changes[0]!.at,
      skipped: 0,
      stats: {
        consecutiveFailures: 2,
        failures: 2,
        timeouts: 0,
        rejections: 0,
        totalCalls: 2, // read right after the change: the refused third call came later
        windowCalls: 0,
        failureRate: 0,
        slowCallRate: 0,
        openUntil: app.registry.get('payments')!.stats().openUntil,
        retryAfterMs: expect.any(Number),
      },
    });
    expect((opened!.stats as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(50_000);
    expect(JSON.stringify(receiver.requests)).not.toContain('boom');
  });

  it('posts Slack’s { text } with a readable sentence, for the events the webhook asks for', async () => {
    app = await startNotifyingApp({
      ...fast,
      minIntervalMs: 0,
      webhooks: [{ url: receiver.url(), format: 'slack', events: ['open', 'released'] }],
    });
    await tripPayments(app.client);
    app.registry.forceOpen('payments'); // not asked for
    app.registry.release('payments');

    const messages = await messagesOf('payments');
    expect(messages).toEqual([
      {
        text: ':red_circle: Circuit *payments* opened (2 consecutive failures): calls are refused for 60 s.',
      },
      {
        text: ':large_green_circle: Circuit *payments* was released: closed, calls go through again.',
      },
    ]);
  });

  it('sends at most one message per circuit in minIntervalMs: a burst is its first change and its latest', async () => {
    app = await startNotifyingApp({
      ...fast,
      minIntervalMs: 300,
      webhooks: [{ url: receiver.url() }],
    });
    const { registry } = app;
    // One burst, in one turn: every change after the first falls within the interval.
    registry.forceOpen('payments');
    registry.release('payments');
    registry.disable('payments');
    registry.release('payments');
    registry.forceOpen('payments');
    registry.forceOpen('ledger'); // another circuit is damped on its own

    await until('the latest state of payments', () => receiver.accepted.length >= 3);
    const messages = await messagesOf('payments');
    expect(messages.map(({ event, from, skipped }) => ({ event, from, skipped }))).toEqual([
      { event: 'forced_open', from: 'closed', skipped: 0 },
      { event: 'forced_open', from: 'closed', skipped: 3 }, // the latest, standing for 3 earlier
    ]);
    expect((await messagesOf('ledger')).map(({ event }) => event)).toEqual(['forced_open']);
  });

  it('sends no message for a state restored from a snapshot: it was sent when it happened', async () => {
    const options = { ...fast, minIntervalMs: 0, webhooks: [{ url: receiver.url() }] };
    app = await startNotifyingApp(options);
    app.registry.forceOpen('payments');
    const snapshot = app.registry.snapshot();
    await until('the forced_open message', () => receiver.accepted.length === 1);
    await app.close();
    app = await startNotifyingApp(options);
    app.registry.restore(snapshot);
    expect(app.registry.get('payments')!.state).toBe('forced_open');
    // Only the first app's message: the restoring app's own messages have arrived by now.
    expect((await messagesOf('payments')).map(({ event }) => event)).toEqual(['forced_open']);
  });

  it('sends a change shared through a store once: from the replica where it happened', async () => {
    const store = new InMemoryCircuitStore();
    const options = { ...fast, minIntervalMs: 0, webhooks: [{ url: receiver.url() }] };
    app = await startNotifyingApp(options, undefined, store);
    const replica = await startNotifyingApp(options, undefined, store);
    try {
      app.registry.forceOpen('payments');
      expect(replica.registry.get('payments')!.state).toBe('forced_open'); // adopted
      // The replica's own change, sent after anything it might have sent of payments.
      replica.registry.getOrCreate('replica-only').disable();
      await until('the replica’s message', () =>
        receiver.accepted.some(({ circuit }) => circuit === 'replica-only'),
      );
      expect(
        (await messagesOf('payments')).map(({ event, reason }) => ({ event, reason })),
      ).toEqual([{ event: 'forced_open', reason: 'forced_open' }]);
    } finally {
      await replica.close();
    }
  });
});
