import { Module } from '@nestjs/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import {
  AdminTokenGuard,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type RunningApp } from '../core/support/start-app.js';

const TOKEN = 'a-long-admin-token-0123456789';
/** How long the page may take to show what the app did, on a busy machine. */
const SHOWN_WITHIN_MS = 20_000;
const TEST_MS = 60_000;

@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      circuits: { payments: {}, inventory: { failureThreshold: 1, resetTimeoutMs: 60_000 } },
      admin: { guards: [new AdminTokenGuard(TOKEN)], statsIntervalMs: 100 },
    }),
  ],
})
class BearerGuardedModule {}

describe('the dashboard behind a bearer-token guard, in a real headless Chromium', () => {
  let app: RunningApp;
  let registry: CircuitBreakerRegistry;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const authorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(BearerGuardedModule), launchChromium()]);
    registry = app.get(CircuitBreakerRegistry);
    context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Chromium logs each refused request (the 401s that make the page ask for the token).
      if (message.type() === 'error' && !/status of 401/.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
    page.on('request', (request) => {
      if (
        request.url().startsWith(`${app.url}/circuit-breakers/`) &&
        !request.url().endsWith('/dashboard')
      ) {
        authorizations.push(request.headers()['authorization']);
      }
    });
  }, 60_000); // Chromium's start (unpacked on first use) and the app's, on a busy machine

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const card = (name: string) => page.locator(`[data-circuit=${JSON.stringify(name)}]`);
  const signin = () => page.locator('#signin');
  async function expectState(name: string, state: CircuitState): Promise<void> {
    await card(name)
      .and(page.locator(`[data-state="${state}"]`))
      .waitFor({ timeout: SHOWN_WITHIN_MS });
  }

  it(
    'opens, asks for the token once the API answers 401, and shows the circuits with it',
    async () => {
      await page.goto(`${app.url}/circuit-breakers/dashboard`);
      await signin().waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await page.locator('#signin-note').textContent()).toMatch(/answered 401/);
      expect(await page.locator('.card').count()).toBe(0);

      await page.locator('#signin-token').fill('not-the-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .locator('#signin-note', { hasText: 'refused that token' })
        .waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await page.locator('.card').count()).toBe(0);

      await page.locator('#signin-token').fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectState('payments', CircuitState.Closed);
      await page.locator('#live[data-live="live"]').waitFor({ timeout: SHOWN_WITHIN_MS });
      expect(await signin().isHidden()).toBe(true);
      // What the tab keeps (this file has no DOM types).
      const kept = await page.evaluate(() =>
        Object.values((globalThis as unknown as { sessionStorage: object }).sessionStorage),
      );
      expect(kept).toEqual([TOKEN]);
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'follows the circuits live over the token-carrying stream, and its buttons send the token',
    async () => {
      await registry
        .get('inventory')!
        .execute(() => Promise.reject(new Error('down')))
        .catch(() => undefined);
      expect(registry.get('inventory')!.state).toBe(CircuitState.Open);
      await expectState('inventory', CircuitState.Open);

      await card('payments').getByRole('button', { name: 'Force open' }).click();
      await expectState('payments', CircuitState.ForcedOpen);
      expect(registry.get('payments')!.state).toBe(CircuitState.ForcedOpen);
      // Since the right token was given, every request to the API (the stream's too) carried it.
      const since = authorizations.lastIndexOf('Bearer not-the-token');
      const after = authorizations.slice(since + 1);
      expect(after.length).toBeGreaterThanOrEqual(2);
      expect(new Set(after)).toEqual(new Set([`Bearer ${TOKEN}`]));
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'keeps the token for the tab: a reload does not ask again',
    async () => {
      await page.reload();
      await expectState('payments', CircuitState.ForcedOpen);
      expect(await signin().isHidden()).toBe(true);
      expect(problems).toEqual([]);
    },
    TEST_MS,
  );
});
