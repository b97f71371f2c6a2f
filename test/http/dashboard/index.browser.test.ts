import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../../src/campaigns/definition.js';
import { campaignReport } from '../../../src/reports/campaignReport.js';
import { Timekeeper } from '../../../src/scheduler/timekeeper.js';
import { hasChromium, launchChromium } from '../../support/chromium.js';
import { createEngineHarness, type EngineHarness, START, seedContacts } from '../../support/engineHarness.js';
import { startDashboardServer } from '../apiServer.js';

const HAS_CHROMIUM = hasChromium('dashboard browser test');

const ROOT = join(import.meta.dirname, '..', '..');
const SCREENSHOT = join(ROOT, 'test-results', 'dashboard-campaign.png');
const LIST_SCREENSHOT = join(ROOT, 'test-results', 'dashboard-campaigns.png');
const MINUTE = 60_000;
const API_TOKEN = 'browser-test-token';

let h: EngineHarness | undefined;
let app: FastifyInstance | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await h?.close();
});

/**
 * A WhatsApp broadcast to 60 contacts, some of them skipped, whose new clients wait out the 7-minute
 * delay and then go out over three minutes (10, 20 and 10 messages) — the rest still waiting.
 */
async function campaignHalfwayThrough(harness: EngineHarness): Promise<number> {
  await seedContacts(harness.db.sql, {
    count: 60,
    list: 'vip',
    optedOutEvery: 15,
    noConsentEvery: 20,
    invalidEvery: 29,
  });
  const definition = validateCampaignDefinition(
    {
      name: 'Black Friday <VIP> & friends',
      kind: 'broadcast',
      transport: 'whatsapp',
      channelId: 1,
      template: 'Hi {{firstName}}, {{discount}}% off',
      audience: { list: 'vip' },
      schedule: { at: new Date(START.getTime() + MINUTE).toISOString() },
    },
    { now: harness.clock.now() },
  );
  const campaign = await createCampaign(harness.db, definition, {
    now: harness.clock.now(),
    templatesDir: join(ROOT, 'templates'),
  });
  harness.clock.advance(MINUTE);
  await new Timekeeper({ sql: harness.db.sql, clock: harness.clock }).tick();
  const { worker } = await harness.addWorker({ batchSize: 10 });
  await worker.drain(); // consent checked, clients created: everyone left waits for the WhatsApp delay
  harness.clock.advance(7 * MINUTE);
  for (const rounds of [1, 2, 1]) {
    for (let i = 0; i < rounds; i++) await worker.runOnce();
    harness.clock.advance(MINUTE);
  }
  return campaign.id;
}

describe('the dashboard in a real browser', () => {
  it.skipIf(!HAS_CHROMIUM)(
    'logs in, shows the report’s numbers and chart, pauses the campaign, and saves a screenshot',
    async () => {
      h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
      const campaignId = await campaignHalfwayThrough(h);
      const dashboard = await startDashboardServer({ sql: h.db.sql, clock: h.clock, apiToken: API_TOKEN });
      app = dashboard.app;
      const baseUrl = dashboard.url;
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

      await page.goto(`${baseUrl}/campaigns/${campaignId}`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('input[name="token"]', API_TOKEN);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${baseUrl}/campaigns/${campaignId}`);

      const report = await campaignReport(h.db.sql, campaignId);
      expect(report.totals.accepted).toBe(40);
      expect(report.counts.waiting).toBeGreaterThan(0);
      const shown = (selector: string) => page.locator(selector).first().textContent();
      expect(await shown('h1')).toBe('Black Friday <VIP> & friends');
      expect(await shown('[data-total="deliveries"]')).toBe(String(report.total));
      expect(await shown('[data-total="accepted"]')).toBe(String(report.totals.accepted));
      expect(await shown('[data-total="pending"]')).toBe(String(report.totals.pending));
      expect(await shown('[data-total="skipped"]')).toBe(String(report.totals.skipped));
      for (const [state, n] of Object.entries(report.counts)) {
        expect(await shown(`[data-count="${state}"]`), state).toBe(String(n));
      }
      for (const [state, reasons] of Object.entries(report.reasonsByState)) {
        for (const [reason, n] of Object.entries(reasons)) {
          expect(await shown(`[data-state="${state}"][data-reason="${reason}"]`), reason).toBe(String(n));
        }
      }
      expect(await page.locator('tr[data-failure]').count()).toBe(report.failures.length);
      const bars = await page
        .locator('svg[data-chart="sends"] rect.sends-bar')
        .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-sent'))));
      expect(bars).toEqual(report.sendRate.map((m) => m.sent));
      expect(bars).toEqual([10, 20, 10]);

      await page.getByRole('button', { name: 'Pause' }).click();
      await page.locator('.badge[data-status="paused"]').first().waitFor();

      const [row] = await h.db.sql<
        { status: string }[]
      >`select status from campaigns where id = ${campaignId}`;
      expect(row!.status).toBe('paused');
      expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(1);
      await mkdir(join(ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);

      await page.goto(`${baseUrl}/`);
      const listed = page.locator(`tr[data-campaign-id="${campaignId}"]`);
      expect(await listed.locator('[data-status]').textContent()).toBe('paused');
      expect(await listed.textContent()).toContain(
        `${report.total - report.totals.pending} of ${report.total} settled`,
      );
      await page.screenshot({ path: LIST_SCREENSHOT, fullPage: true });
    },
    120_000,
  );
});
