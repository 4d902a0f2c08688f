import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`): the fallback where the package's cannot run. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/**
 * Not the `@sparticuz/chromium` package's own args, made for a serverless function (one process,
 * a software GPU): they slow a page down several times over. The browser runs as a desktop's does.
 */
const ARGS = ['--no-sandbox', '--no-zygote', '--disable-gpu'];

/**
 * A headless Chromium for the dashboard's browser tests, on any machine that ran `npm ci`:
 * CHROMIUM_PATH when set; else the one `@sparticuz/chromium` ships (a compressed Linux binary,
 * unpacked to the temp folder on first use: no download, no system package); else, where that
 * one cannot run (another OS), the system's Chromium.
 */
export async function launchChromium(): Promise<Browser> {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH is ${given}, where no file is`);
    return chromium.launch({ executablePath: given, args: ARGS });
  }
  try {
    const packaged = (await import('@sparticuz/chromium')).default;
    return await chromium.launch({ executablePath: await packaged.executablePath(), args: ARGS });
  } catch (error) {
    if (!existsSync(SYSTEM_CHROMIUM)) {
      throw new Error(
        `The browser tests found no Chromium: @sparticuz/chromium's did not start (${String(error)}), ` +
          `and there is none at ${SYSTEM_CHROMIUM}. Install one, or set CHROMIUM_PATH.`,
      );
    }
    return chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: ARGS });
  }
}
