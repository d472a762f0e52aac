/**
 * Headless Debian Chromium driven by playwright-core, for the tests and benchmarks of the HTML
 * report. A fresh profile every time, no background traffic of the browser's own. When Chromium is
 * missing, tests are skipped with a message, except under CI, where they fail.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const chromiumPath = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  try {
    fs.accessSync(chromiumPath, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Skips the test (or fails it under CI) when Chromium is not installed. */
export function requireChromium(context: Mocha.Context): void {
  if (chromiumAvailable()) return;
  if (process.env.CI) throw new Error(`Chromium not found at ${chromiumPath}, and CI must run the browser tests (apt-get install chromium)`);
  if (context.test) context.test.title += ' (skipped: chromium not found)';
  console.log(`      skipped: chromium not found at ${chromiumPath}`);
  context.skip();
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps'],
    viewport: { width: 1280, height: 900 },
    timeout: 30000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
