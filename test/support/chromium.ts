import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); never a downloaded browser build. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether browser tests can run; when not, says so once for the test file that asks. */
export function hasChromium(testName: string): boolean {
  const found = existsSync(CHROMIUM);
  if (!found)
    console.warn(`\n⚠ ${testName} SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);
  return found;
}

/** Headless Chromium, quiet (no background networking, no updates), with a test's own extra flags. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
