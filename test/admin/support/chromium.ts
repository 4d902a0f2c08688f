import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), used when it is there. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * A headless Chromium for the dashboard's browser tests, on any machine that ran `npm ci`:
 * CHROMIUM_PATH when set, else the system's Chromium when installed, else the one the
 * `@sparticuz/chromium` package ships (a compressed binary, unpacked to the temp folder on first
 * use; no download, no system package).
 */
export async function launchChromium(): Promise<Browser> {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH is ${given}, where no file is`);
    return chromium.launch({ executablePath: given, args: ['--no-sandbox'] });
  }
  if (existsSync(SYSTEM_CHROMIUM)) {
    return chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: ['--no-sandbox'] });
  }
  const packaged = (await import('@sparticuz/chromium')).default;
  return chromium.launch({ executablePath: await packaged.executablePath(), args: packaged.args });
}
