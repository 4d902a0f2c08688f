import {
  Controller,
  Get,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type RunningApp } from '../core/support/start-app.js';

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it), or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The README's picture is taken here: `UPDATE_DOCS=1 npm test` writes it to docs/; otherwise the
// screenshot goes to a temporary folder, and a test run leaves the working tree as it was.
const SCREENSHOT =
  process.env.UPDATE_DOCS === '1'
    ? resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/dashboard.png')
    : join(tmpdir(), `nestjs-circuit-breaker-dashboard-${process.pid}.png`);

interface BrowserWindow {
  getComputedStyle(element: unknown): { color: string };
}

const STATE_COLOURS = { closed: 'rgb(34, 197, 94)', open: 'rgb(239, 68, 68)' };

@Injectable()
class InventoryClient {
  healthy = true;

  @CircuitBreaker({ name: 'inventory', failureThreshold: 3, resetTimeoutMs: 30_000 })
  async stock(): Promise<{ available: number }> {
    if (!this.healthy) throw new Error('inventory down');
    return { available: 7 };
  }
}

@Controller('stock')
class StockController {
  constructor(private readonly inventory: InventoryClient) {}

  @Get()
  stock() {
    return this.inventory.stock();
  }
}

/** An operator's session, as a cookie: the dashboard's requests and its event stream carry it. */
class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: { cookie?: string } }>();
    return /(^|;\s*)operator=yes(;|$)/.test(headers.cookie ?? '');
  }
}

@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      circuits: {
        payments: {},
        search: { failureRateThreshold: 0.9, minimumThroughput: 5, windowMs: 5_000 },
        recommendations: {},
        'shipping-quotes': { failureThreshold: 1, resetTimeoutMs: 300 },
        'ledger.export': {},
        notifications: {},
        geocoding: {},
      },
      admin: { guards: [SessionGuard], statsIntervalMs: 100 },
    }),
  ],
  controllers: [StockController],
  providers: [InventoryClient],
})
class ShopModule {}

/** Calls that succeed and fail in a fixed pattern, so the sparklines have something to show. */
function startTraffic(registry: CircuitBreakerRegistry, inventory: InventoryClient): () => void {
  let tick = 0;
  const noise = (i: number) => ((i * 2_654_435_761) % 1_000) / 1_000;
  const call = (name: string, fails: boolean) =>
    void registry
      .get(name)!
      .execute(() => (fails ? Promise.reject(new Error('down')) : Promise.resolve('ok')))
      .catch(() => undefined);
  const timer = setInterval(() => {
    tick++;
    call('payments', tick % 13 === 0);
    call('search', noise(tick) < 0.35 + 0.3 * Math.sin(tick / 12));
    call('notifications', noise(tick + 7) < 0.08);
    if (tick % 3 === 0) call('geocoding', noise(tick + 3) < 0.2 + 0.2 * Math.cos(tick / 9));
    if (inventory.healthy) void inventory.stock().catch(() => undefined);
  }, 20);
  return () => clearInterval(timer);
}

describe('the dashboard, in a real headless Chromium', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `The dashboard test needs Chromium at ${CHROMIUM}, and it is missing. ` +
          'Install it with `apt-get update && apt-get install -y chromium` (.ci/run does), ' +
          'or point CHROMIUM_PATH at another Chromium.',
      );
    }
    [app, browser] = await Promise.all([
      startApp(ShopModule),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
    ]);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 760 },
      deviceScaleFactor: 2,
    });
    await context.addCookies([{ name: 'operator', value: 'yes', url: app.url }]);
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const card = (name: string) => page.locator(`[data-circuit=${JSON.stringify(name)}]`);
  /** The state badge's colour as the browser renders it (this file has no DOM types). */
  const badgeColour = (name: string) =>
    card(name)
      .locator('.badge')
      .evaluate((badge) => (globalThis as unknown as BrowserWindow).getComputedStyle(badge).color);

  it('shows a circuit turn red when the app trips it, and green again after Reset; saves docs/dashboard.png', async () => {
    const registry = app.get(CircuitBreakerRegistry);
    const inventory = app.get(InventoryClient);
    const stopTraffic = startTraffic(registry, inventory);
    try {
      await page.goto(`${app.url}/circuit-breakers/dashboard`);
      await card('inventory').waitFor();
      await expectState('inventory', CircuitState.Closed);
      expect(await badgeColour('inventory')).toBe(STATE_COLOURS.closed);
      await page.locator('#live[data-live="live"]').waitFor();

      // Other states, set the ways an operator and an application would.
      registry.forceOpen('recommendations');
      registry.disable('ledger.export');
      await registry
        .get('shipping-quotes')!
        .execute(() => Promise.reject(new Error('down')))
        .catch(() => undefined);
      await sleep(2_000); // sparklines fill up; shipping-quotes' open time runs out: half-open

      // The application trips the circuit: its dependency fails three requests.
      inventory.healthy = false;
      for (let i = 0; i < 3; i++) expect((await fetch(`${app.url}/stock`)).status).toBe(500);
      expect(registry.get('inventory')!.state).toBe(CircuitState.Open);

      await expectState('inventory', CircuitState.Open);
      expect(await badgeColour('inventory')).toBe(STATE_COLOURS.open);
      const retry = card('inventory').locator('.retry');
      expect(await retry.isVisible()).toBe(true);
      expect(await retry.textContent()).toMatch(/next probe in \d+\.\d s/);
      await expectState('shipping-quotes', CircuitState.HalfOpen);
      await expectState('recommendations', CircuitState.ForcedOpen);
      await expectState('ledger.export', CircuitState.Disabled);
      expect(await page.locator('.count[data-state="open"] b').textContent()).toBe('1');

      await sleep(300); // the retry bar's first frames
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      inventory.healthy = true;
      await card('inventory').getByRole('button', { name: 'Reset' }).click();
      await expectState('inventory', CircuitState.Closed);
      expect(await badgeColour('inventory')).toBe(STATE_COLOURS.closed);
      expect(registry.get('inventory')!.state).toBe(CircuitState.Closed);

      await card('recommendations').getByRole('button', { name: 'Release' }).click();
      await expectState('recommendations', CircuitState.Closed);
      expect(registry.get('recommendations')!.state).toBe(CircuitState.Closed);
    } finally {
      stopTraffic();
    }
    expect(problems).toEqual([]);
  }, 30_000);

  it('puts a circuit’s name into the page as text, never as markup', async () => {
    const name = '<img src=x onerror="document.title=\'owned\'">';
    app.get(CircuitBreakerRegistry).getOrCreate(name);
    const title = card(name).locator('.name');
    await title.waitFor();
    expect(await title.textContent()).toBe(name);
    expect(await page.locator('.grid img').count()).toBe(0);
    expect(await page.title()).not.toContain('owned');
    // Not addressable in a URL, so its buttons are off rather than failing.
    expect(await card(name).getByRole('button', { name: 'Reset' }).isDisabled()).toBe(true);
    expect(problems).toEqual([]);
  });

  async function expectState(name: string, state: CircuitState): Promise<void> {
    await card(name)
      .and(page.locator(`[data-state="${state}"]`))
      .waitFor({ timeout: 3_000 });
  }
});
