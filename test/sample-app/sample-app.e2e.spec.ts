import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../sample-app/app.module.js';
import { InventoryModule } from '../../sample-app/inventory/inventory.module.js';
import { startWebhookPrinter } from '../../sample-app/notifications/webhook-printer.js';

// The sample app as `npm start` runs it (orders app + inventory service on loopback), through its
// public URLs. No timing is short enough for a busy machine to cross it: the inventory fails with
// errors (no call must time out, so the timeout is long), and the circuit stays open long enough
// to be seen open however slow the requests that read it (the test then waits that open period).
const RESET_TIMEOUT_MS = 5_000;

describe('the sample app', () => {
  let inventory: INestApplication;
  let app: INestApplication;
  let orders: string;
  let dependency: string;
  let webhook: Awaited<ReturnType<typeof startWebhookPrinter>>;
  const printed: string[] = [];

  beforeAll(async () => {
    inventory = await NestFactory.create(InventoryModule.withChaos(0, 5), { logger: false });
    await inventory.listen(0, '127.0.0.1');
    dependency = (await inventory.getUrl()).replace('[::1]', '127.0.0.1');
    webhook = await startWebhookPrinter(0, (line) => printed.push(line));
    // Configured as its README says: through environment variables, read by @nestjs/config.
    Object.assign(process.env, {
      INVENTORY_PORT: new URL(dependency).port,
      CIRCUIT_RESET_TIMEOUT_MS: String(RESET_TIMEOUT_MS),
      CIRCUIT_TIMEOUT_MS: '60000',
      WEBHOOK_PORT: String(webhook.port),
      NOTIFY_MIN_INTERVAL_MS: '0',
    });
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    orders = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await inventory.close();
    await webhook.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${orders}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const chaos = (failureRate: number) =>
    fetch(`${dependency}/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failureRate }),
    });

  it('protects the orders app from a failing inventory service, and recovers by itself', async () => {
    // Its HttpService calls go through the circuit of the inventory's origin (`outbound`).
    const circuit = `outbound:${dependency}`;
    expect(await get('/orders/stock/sku-42')).toMatchObject({
      status: 200,
      body: { source: 'live', available: 18 },
    });
    expect((await get('/health/ready')).status).toBe(200);

    await chaos(1);
    for (let i = 0; i < 10; i++) await get('/orders/stock/sku-42'); // the failure rate trips it
    const cached = await get('/orders/stock/sku-42');
    expect(cached).toMatchObject({ status: 200, body: { source: 'cache', available: 18 } });
    // An outbound circuit is reported, not counted: the inventory down does not take the pod
    // out of the load balancer (its calls fail fast, the cache answers).
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      details: { circuits: { circuits: { [circuit]: { state: 'open', counted: false } } } },
    });
    expect((await get('/health/live')).status).toBe(200); // liveness never looks at circuits

    const metrics = await (await fetch(`${orders}/metrics`)).text();
    expect(metrics).toContain(`circuit_breaker_state{circuit="${circuit}",state="open"} 1`);
    const rejected = metrics.match(
      new RegExp(`circuit_breaker_calls_total\\{circuit="${circuit}",outcome="rejected"\\} (\\d+)`),
    );
    expect(Number(rejected?.[1])).toBeGreaterThan(0); // answered from the cache, not sent

    const dashboard = await fetch(`${orders}/circuit-breakers/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<title>Circuit breakers</title>');

    await chaos(0);
    // The open period, from after the circuit's last call (the cached answer above): over.
    await new Promise((resolve) => setTimeout(resolve, RESET_TIMEOUT_MS + 50));
    expect(await get('/orders/stock/sku-42')).toMatchObject({ body: { source: 'live' } }); // the probe
    expect((await get('/health/ready')).status).toBe(200);
    const circuits = (await (await fetch(`${orders}/circuits`)).json()) as Array<{
      name: string;
      state: string;
    }>;
    expect(circuits.find((c) => c.name === circuit)?.state).toBe('closed');

    // Each change was POSTed to the webhook main.ts starts, which printed it.
    const deadline = performance.now() + 15_000;
    const closed = `${circuit}: half_open → closed (probes_succeeded)`;
    while (!printed.includes(closed) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Were the machine stalled for the whole open period while the failing calls above still
    // ran, a probe would fail and the circuit open again, once or more, before it recovers.
    const failedProbes = Math.max(0, (printed.length - 3) / 2);
    expect(printed).toEqual([
      `${circuit}: closed → open (consecutive_failures)`,
      ...Array.from({ length: failedProbes }, () => [
        `${circuit}: open → half_open (reset_timeout_elapsed)`,
        `${circuit}: half_open → open (probe_failed)`,
      ]).flat(),
      `${circuit}: open → half_open (reset_timeout_elapsed)`,
      `${circuit}: half_open → closed (probes_succeeded)`,
    ]);
  }, 60_000);
});
