import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { CONSOLE_SCRIPT } from '../../../src/http/dashboard/consoleScript.js';
import { insertCampaign, insertDelivery, insertRun } from '../../reports/seedReport.js';
import { hasChromium, launchChromium } from '../../support/chromium.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startDashboardServer } from '../apiServer.js';

const HAS_CHROMIUM = hasChromium('console script browser test');
const FAILED_AT = '2026-11-27T20:30:00.000Z'; // 06:30 the next morning in Vladivostok (UTC+10)

let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser | undefined;
let campaignId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: db.sql,
    clock: new ManualClock('2026-11-28T00:00:00Z'),
    apiToken: undefined,
  }));
  campaignId = await insertCampaign(db.sql, { name: 'Night shift', transport: 'viber' });
  const run = await insertRun(db.sql, campaignId, '2026-11-27T20:00:00Z');
  await insertDelivery(db.sql, campaignId, run, {
    phone: '79004441001',
    state: 'failed',
    reason: 'undeliverable',
    dueAt: '2026-11-27T20:00:00Z',
    failedAt: FAILED_AT,
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await db?.drop();
});

describe('the console script', () => {
  it('is the function’s own source, called on the document', () => {
    expect(CONSOLE_SCRIPT).toMatch(/^\(function localiseTimes\(doc\) \{/);
    expect(CONSOLE_SCRIPT.trimEnd().endsWith(')(document);')).toBe(true);
  });

  it.skipIf(!HAS_CHROMIUM)(
    'shows a first visit’s times in the browser’s zone and tells the engine, which renders the next page in it',
    async () => {
      browser = await launchChromium();
      const context = await browser.newContext({ timezoneId: 'Asia/Vladivostok', locale: 'ru-RU' });
      const page = await context.newPage();
      const failureTime = () => page.locator(`tr[data-failure] time`).first();

      await page.goto(`${baseUrl}/campaigns/${campaignId}`);
      expect(await page.getAttribute('html', 'data-zone-source')).toBe('default');
      await page.locator('[data-zone-label]', { hasText: 'Asia/Vladivostok' }).waitFor();
      expect(await failureTime().textContent()).toBe('28.11.2026 06:30');
      expect(await failureTime().getAttribute('title')).toBe('2026-11-27 20:30 UTC');
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'broadcaster_browser_tz')?.value).toBe('Asia%2FVladivostok');

      await page.reload();
      expect(await page.getAttribute('html', 'data-zone-source')).toBe('browser');
      expect(await failureTime().textContent()).toBe('28.11.2026 06:30');
      // Rendered by the engine this time (in English: this request names no language).
      const served = await (await context.request.get(`${baseUrl}/campaigns/${campaignId}`)).text();
      expect(served).toContain('>2026-11-28 06:30</time>');
      await context.close();
    },
    60_000,
  );

  it.skipIf(!HAS_CHROMIUM)(
    'leaves a zone chosen in Settings alone',
    async () => {
      browser ??= await launchChromium();
      const context = await browser.newContext({ timezoneId: 'Asia/Vladivostok' });
      await context.addCookies([{ name: 'broadcaster_tz', value: 'Europe%2FMoscow', url: baseUrl }]);
      const page = await context.newPage();
      await page.goto(`${baseUrl}/campaigns/${campaignId}`);
      await page.waitForLoadState('load');
      expect(await page.locator('tr[data-failure] time').first().textContent()).toBe('2026-11-27 23:30');
      expect((await context.cookies()).some((c) => c.name === 'broadcaster_browser_tz')).toBe(false);
      await context.close();
    },
    60_000,
  );
});
