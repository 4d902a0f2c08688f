import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import { CircuitBreakerRegistry, CircuitState } from '../../lib/index.js';
import { startApp, type RunningApp } from '../core/support/start-app.js';
import {
  FLAPPY,
  InventoryClient,
  ShopModule,
  startTraffic,
  trip,
} from './support/dashboard-shop.js';

// The README's picture is taken here: `UPDATE_DOCS=1 npm test` writes it to docs/; otherwise the
// screenshot goes to a temporary folder, and a test run leaves the working tree as it was.
const SCREENSHOT =
  process.env.UPDATE_DOCS === '1'
    ? resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/dashboard.png')
    : join(tmpdir(), `nestjs-circuit-breaker-dashboard-${process.pid}.png`);

/** How long the page may take to show what the app did, on a busy machine. */
const SHOWN_WITHIN_MS = 20_000;
/** Each test's own limit: a few waits, a screenshot, on a busy machine. */
const TEST_MS = 60_000;

interface BrowserWindow {
  getComputedStyle(element: unknown): { color: string };
}

const STATE_COLOURS = { closed: 'rgb(34, 197, 94)', open: 'rgb(239, 68, 68)' };

// The page reports what its policy refused, so that a violation fails the test as an error does.
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (event) =>
  console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));`;

describe('the dashboard, in a real headless Chromium', () => {
  let app: RunningApp;
  let registry: CircuitBreakerRegistry;
  let inventory: InventoryClient;
  let stopTraffic = () => {};
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(ShopModule), launchChromium()]);
    registry = app.get(CircuitBreakerRegistry);
    inventory = app.get(InventoryClient);
    stopTraffic = startTraffic(registry, inventory);
    const context = await browser.newContext({
      viewport: { width: 1600, height: 1100 },
      deviceScaleFactor: 2,
    });
    await context.addCookies([{ name: 'operator', value: 'yes', url: app.url }]);
    await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${app.url}/`) && !url.startsWith('data:')) {
        problems.push(`request elsewhere: ${url}`);
      }
    });
  }, 60_000); // Chromium's start (unpacked on first use) and the app's, on a busy machine

  afterAll(async () => {
    stopTraffic();
    await browser?.close();
    await app?.close();
  });

  const card = (name: string) => page.locator(`[data-circuit=${JSON.stringify(name)}]`);
  /** The state badge's colour as the browser renders it (this file has no DOM types). */
  const badgeColour = (name: string) =>
    card(name)
      .locator('.badge')
      .evaluate((badge) => (globalThis as unknown as BrowserWindow).getComputedStyle(badge).color);
  const timeline = () => page.locator('#timeline');
  const changes = () => timeline().locator('.change');
  /** The timeline's rows, newest first: from → to, and the reason in words. */
  const rows = async () => {
    const [states, reasons] = await Promise.all([
      changes().locator('.states').allTextContents(),
      changes().locator('.reason').allTextContents(),
    ]);
    return states.map((fromTo, i) => `${fromTo}: ${reasons[i]}`);
  };

  it(
    'shows a circuit turn red when the app trips it',
    async () => {
      await page.goto(`${app.url}/circuit-breakers/dashboard`);
      await card('inventory').waitFor();
      await expectState('inventory', CircuitState.Closed);
      expect(await badgeColour('inventory')).toBe(STATE_COLOURS.closed);
      await page.locator('#live[data-live="live"]').waitFor();
      // The session cookie satisfies the guard: no token is asked for.
      expect(await page.locator('#signin').isHidden()).toBe(true);

      // Other states, set the ways an operator and an application would.
      registry.forceOpen('recommendations');
      registry.disable('ledger.export');
      await trip(registry, 'shipping-quotes');
      await sleep(2_000); // sparklines fill up; shipping-quotes' open time runs out: half-open

      // The application trips the circuit: its dependency fails three requests.
      inventory.healthy = false;
      // The traffic's last calls, started while it was healthy, end first: successes that would
      // break the run of failures.
      await until(
        async () => registry.get('inventory')!.stats().inFlight,
        (calls) => calls === 0,
        'end of the inventory calls in flight',
      );
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
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'shows the p99 latency of a timed circuit, with its own sparkline; "not timed" for the others',
    async () => {
      const latency = card('payments').locator('.latency[data-timed="true"]');
      await latency.waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await latency.locator('.figure-value').textContent()).toMatch(/^\d+(\.\d+)? (ms|s)$/);
      expect(await latency.locator('.figure-label').textContent()).toBe('p99 latency · window');
      expect(await latency.getAttribute('title')).toMatch(/timed calls in the window: p50 .+ p99 /);
      // A line of at least two points, apart from the failure figure's own.
      await until(
        () => latency.locator('.spark .line').getAttribute('d'),
        (path) => /^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+/.test(path ?? ''),
        'a p99 sparkline on the payments card',
      );
      expect(await card('payments').locator('.spark').count()).toBe(2);

      const untimed = card('notifications').locator('.latency');
      expect(await untimed.getAttribute('data-timed')).toBe('false');
      expect(await untimed.locator('.figure-value').textContent()).toBe('–');
      expect(await untimed.locator('.figure-label').textContent()).toBe('latency not timed');
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'marks a flapping circuit, with a title that says what flapping is',
    async () => {
      // More than flapThreshold (2) openings within flapWindowMs (a minute): trip and reset, thrice.
      for (let i = 0; i <= FLAPPY.flapThreshold; i++) {
        await trip(registry, 'fx-rates');
        expect(registry.get('fx-rates')!.state).toBe(CircuitState.Open);
        registry.reset('fx-rates');
      }
      expect(registry.get('fx-rates')!.stats().flapping).toBe(true);

      const flap = card('fx-rates').locator('.flap');
      await flap.waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await flap.textContent()).toBe('flapping');
      expect(await flap.getAttribute('title')).toMatch(/opened more times than its flapThreshold/);
      await expectState('fx-rates', CircuitState.Closed);
      // Only that one: the others opened once at most.
      expect(await page.locator('.flap:visible').count()).toBe(1);
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'opens a circuit’s timeline on a click: its state changes, reasons in words; saves docs/dashboard.png',
    async () => {
      await card('inventory').locator('.name').click();
      await timeline().waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await timeline().locator('#timeline-name').textContent()).toBe('inventory');
      await until(rows, (found) => found.length === 1, 'the inventory timeline');
      expect(await rows()).toEqual(['Closed→Open: Tripped: 3 failures in a row']);
      // The figures behind it: the three failures (the reason's own, marked), and the p99 then.
      const figures = changes().first().locator('.figures-then');
      expect(await figures.locator('.key').textContent()).toBe('in a row3');
      expect(await figures.textContent()).toMatch(/p99\d+(\.\d+)? (ms|s)/);
      expect(await changes().first().locator('time').getAttribute('datetime')).toBe(
        registry.history('inventory')[0]!.at,
      );
      expect(await card('inventory').getAttribute('data-selected')).toBe('true');

      await sleep(300); // the retry bar's first frames
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'refreshes the open timeline as the circuit changes, turns green after Reset, and closes on Escape',
    async () => {
      inventory.healthy = true;
      // A button does its own job: Reset, not the timeline (which stays open, on inventory).
      await card('inventory').getByRole('button', { name: 'Reset' }).click();
      await expectState('inventory', CircuitState.Closed);
      expect(await badgeColour('inventory')).toBe(STATE_COLOURS.closed);
      expect(registry.get('inventory')!.state).toBe(CircuitState.Closed);

      await until(rows, (found) => found.length === 2, 'the reset in the inventory timeline');
      expect(await rows()).toEqual([
        'Open→Closed: Reset by an operator',
        'Closed→Open: Tripped: 3 failures in a row',
      ]);
      expect(await timeline().locator('#timeline-note').textContent()).toBe(
        '2 state changes, newest first',
      );

      await page.keyboard.press('Escape');
      await timeline().waitFor({ state: 'hidden', timeout: SHOWN_WITHIN_MS });
      expect(await card('inventory').getAttribute('data-selected')).toBeNull();
      // The focus goes back to the card that opened it.
      expect(await page.locator('.card:focus').getAttribute('data-circuit')).toBe('inventory');
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'opens a timeline from the keyboard: Tab to a card, Enter; its close button closes it',
    async () => {
      // The first card in name order comes right after the filter.
      await page.locator('#filter').focus();
      await page.keyboard.press('Tab');
      expect(await page.locator('.card:focus').getAttribute('data-circuit')).toBe('fx-rates');
      await page.keyboard.press('Enter');
      await timeline().waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await timeline().locator('#timeline-name').textContent()).toBe('fx-rates');
      const flapped = [];
      for (let i = 0; i <= FLAPPY.flapThreshold; i++) {
        flapped.push('Open→Closed: Reset by an operator', 'Closed→Open: Tripped: 1 failure');
      }
      await until(rows, (found) => found.length === flapped.length, 'the fx-rates timeline');
      expect(await rows()).toEqual(flapped);

      await timeline().getByRole('button', { name: 'Close' }).click();
      await timeline().waitFor({ state: 'hidden', timeout: SHOWN_WITHIN_MS });
      expect(await page.locator('.card:focus').getAttribute('data-circuit')).toBe('fx-rates');

      // A command with the panel closed leaves it closed; opening shows the latest change.
      await card('recommendations').getByRole('button', { name: 'Release' }).click();
      await expectState('recommendations', CircuitState.Closed);
      expect(registry.get('recommendations')!.state).toBe(CircuitState.Closed);
      expect(await timeline().isHidden()).toBe(true);
      await card('recommendations').focus();
      await page.keyboard.press('Enter');
      await until(rows, (found) => found.length === 2, 'the recommendations timeline');
      expect(await rows()).toEqual([
        'Forced open→Closed: Released by an operator',
        'Closed→Forced open: Forced open by an operator',
      ]);
      await page.keyboard.press('Escape');
      await timeline().waitFor({ state: 'hidden', timeout: SHOWN_WITHIN_MS });
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'puts a circuit’s name into the page as text, never as markup',
    async () => {
      const name = '<img src=x onerror="document.title=\'owned\'">';
      registry.getOrCreate(name);
      const title = card(name).locator('.name');
      await title.waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await title.textContent()).toBe(name);
      expect(await page.locator('.grid img').count()).toBe(0);
      expect(await page.title()).not.toContain('owned');
      // Not addressable in a URL, so its buttons are off rather than failing.
      expect(await card(name).getByRole('button', { name: 'Reset' }).isDisabled()).toBe(true);
      // Its timeline names it as text too, and says why it shows no history.
      await title.click();
      await timeline().waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await timeline().locator('#timeline-name').textContent()).toBe(name);
      expect(await timeline().locator('#timeline-note').textContent()).toMatch(
        /cannot be used in a URL/,
      );
      expect(await page.locator('img').count()).toBe(0);
      await page.keyboard.press('Escape');
      await timeline().waitFor({ state: 'hidden', timeout: SHOWN_WITHIN_MS });
      expect(await page.title()).not.toContain('owned');
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  async function expectState(name: string, state: CircuitState): Promise<void> {
    await card(name)
      .and(page.locator(`[data-state="${state}"]`))
      .waitFor({ timeout: SHOWN_WITHIN_MS });
  }

  /** Reads until `ok` says yes, or fails after SHOWN_WITHIN_MS saying what it last read. */
  async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string) {
    const deadline = Date.now() + SHOWN_WITHIN_MS;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) {
        throw new Error(
          `No ${what} after ${SHOWN_WITHIN_MS} ms; last read: ${JSON.stringify(value)}`,
        );
      }
      await sleep(50);
    }
  }
});
