import { watchLibraryTimers } from '../core/support/library-timers.js';
import { startNotifyingApp, type NotifyingApp } from './support/notifying-app.js';
import { until, WebhookReceiver } from './support/webhook-receiver.js';

// app.close(): what waits gets a short grace (each message tried once more), the rest is
// dropped and counted; no timer, request or connection of the notifier is left.

describe('notifications on app.close()', () => {
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

  it('sends the latest state damping held back, within the grace', async () => {
    app = await startNotifyingApp({
      minIntervalMs: 3_600_000,
      // The message must be sent within the grace, however busy the machine: a long grace (which
      // close() does not wait out once the message is sent) and a long per-request timeout.
      shutdownGraceMs: 60_000,
      timeoutMs: 60_000,
      webhooks: [{ url: receiver.url() }],
    });
    const { registry, notifier } = app;
    registry.forceOpen('payments');
    registry.release('payments');
    registry.disable('payments'); // held back for an hour
    await until('the first message', () => notifier.stats().sent === 1);

    await app.close();
    app = undefined;
    expect(receiver.accepted.map(({ event, skipped }) => ({ event, skipped }))).toEqual([
      { event: 'forced_open', skipped: 0 },
      { event: 'disabled', skipped: 1 },
    ]);
    expect(notifier.stats()).toMatchObject({ sent: 2, dropped: 0, queued: 0 });
  });

  it('with a receiver that never answers: returns, drops what is left, closes the POST’s connection', async () => {
    receiver.mode = 'hang';
    app = await startNotifyingApp({
      minIntervalMs: 0,
      timeoutMs: 3_600_000, // only the grace can end the POST
      shutdownGraceMs: 50,
      webhooks: [{ url: receiver.url() }],
    });
    const { registry, notifier } = app;
    for (const name of ['a', 'b', 'c']) registry.getOrCreate(name).forceOpen();
    await until('the first POST to be held', () => receiver.waiting === 1);

    await app.close();
    app = undefined;
    expect(notifier.stats()).toMatchObject({ sent: 0, dropped: 3, queued: 0 });
    // The POST's own connection (fetch's pool may reconnect an idle socket of its own after an
    // abort: unref()ed, it keeps nothing alive, and its keep-alive timeout closes it).
    await until('the held connection to close', () => receiver.heldConnections === 0);
  });

  it('with shutdownGraceMs 0: drops what waits at once', async () => {
    receiver.mode = 'hang';
    app = await startNotifyingApp({
      minIntervalMs: 0,
      timeoutMs: 3_600_000,
      shutdownGraceMs: 0,
      webhooks: [{ url: receiver.url() }],
    });
    app.registry.forceOpen('payments');
    app.registry.release('payments');
    await until('the first POST to be held', () => receiver.waiting === 1);
    const { notifier } = app;
    await app.close();
    app = undefined;
    expect(notifier.stats()).toMatchObject({ sent: 0, dropped: 2 });
  });

  it('stops every timer: damping’s, a retry’s wait, an owed message’s', async () => {
    const timers = watchLibraryTimers();
    try {
      receiver.mode = 500;
      app = await startNotifyingApp({
        minIntervalMs: 3_600_000,
        retries: 1,
        retryDelayMs: 3_600_000,
        maxRetryDelayMs: 3_600_000,
        shutdownGraceMs: 100,
        webhooks: [{ url: receiver.url() }],
      });
      const { registry, notifier } = app;
      registry.forceOpen('payments'); // sent at once, answered 500: a retry waits, or it is owed
      registry.release('payments'); // held back by damping
      await until('the first answer', () => notifier.stats().retried + notifier.stats().failed > 0);
      expect(timers.pending.size).toBeGreaterThanOrEqual(2);

      await app.close();
      app = undefined;
      await until('every timer to be cleared or to fire', () => timers.pending.size === 0);
      expect(timers.pending.size).toBe(0);
      // Each message had its one more try in the grace, answered 500 again: dropped.
      expect(notifier.stats()).toMatchObject({ sent: 0, queued: 0 });
      expect(notifier.stats().dropped + notifier.stats().failed).toBe(2);
    } finally {
      timers.restore();
    }
  });
});
