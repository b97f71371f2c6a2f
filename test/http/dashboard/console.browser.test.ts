import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAppointments } from '../../../src/appointments/appointments.js';
import { createCampaign } from '../../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../../src/campaigns/definition.js';
import { en } from '../../../src/http/dashboard/locales/en.js';
import { ru } from '../../../src/http/dashboard/locales/ru.js';
import { campaignReport } from '../../../src/reports/campaignReport.js';
import { Timekeeper } from '../../../src/scheduler/timekeeper.js';
import { hasChromium, launchChromium } from '../../support/chromium.js';
import { createEngineHarness, type EngineHarness, seedContacts } from '../../support/engineHarness.js';
import { startDashboardServer } from '../apiServer.js';

/*
 * The console as the marketing team uses it, end to end in Debian's Chromium against the sandbox over
 * real HTTP: a campaign created in the editor (a mistake first, shown at its field), previewed, tested
 * on a phone (the WhatsApp new-client delay explained, then sent), published, watched and reported.
 * Screenshots of each page go to test-results/console/ (docs/screenshots/ holds a copy).
 */

const HAS_CHROMIUM = hasChromium('console browser test');
const ROOT = join(import.meta.dirname, '..', '..', '..');
const SHOTS = join(ROOT, 'test-results', 'console');
const MINUTE = 60_000;
const API_TOKEN = 'console-browser-api-token';
const VIEWER_TOKEN = 'console-browser-viewer-token';

let h: EngineHarness;
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser | undefined;
let worker: Awaited<ReturnType<EngineHarness['addWorker']>>;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
  await seedContacts(h.db.sql, { count: 30, list: 'vip', optedOutEvery: 10, noConsentEvery: 15 });
  worker = await h.addWorker({ batchSize: 50 });
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: h.db.sql,
    clock: h.clock,
    apiToken: API_TOKEN,
    viewerToken: VIEWER_TOKEN,
    editor: {
      db: h.db,
      templatesDir: join(ROOT, 'templates'),
      phoneRegion: 'RU',
      chat2desk: { client: worker.client, gate: worker.gate, whatsappDelayMs: 7 * MINUTE },
    },
  }));
  browser = await launchChromium();
  await mkdir(SHOTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await h?.close();
});

async function logIn(token: string, options: { locale?: string } = {}): Promise<Page> {
  const context = await browser!.newContext({
    viewport: { width: 1280, height: 900 },
    timezoneId: 'Europe/Moscow',
    locale: options.locale ?? 'en-GB',
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.fill('input[name="token"]', token);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${baseUrl}/`);
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe('the console in a real browser', () => {
  it.skipIf(!HAS_CHROMIUM)(
    'creates a campaign, previews it, tests it on a phone, publishes it, and reports what went out',
    async () => {
      const page = await logIn(API_TOKEN);
      await page.getByRole('link', { name: 'New campaign' }).click();
      await page.waitForURL(`${baseUrl}/campaigns/new`);
      // The channel picker lists the account's channels, from GET /v1/channels.
      expect(await page.locator('#channelId option').allTextContents()).toContain(
        '#1 Sandbox multi-transport (whatsapp, viber, telegram, sms)',
      );

      await page.fill('#name', 'Black Friday <VIP>');
      await page.selectOption('#transport', 'whatsapp');
      await page.selectOption('#channelId', '1');
      await page.selectOption('#list', 'vip');
      // A segment of the list, counted before it is saved: everyone but contact 20 (discount 10).
      await page.fill('#where', 'discount >= 11');
      await page.getByRole('button', { name: 'Check' }).first().click();
      const counted = page.locator('[data-count="audience"]');
      await counted.waitFor();
      expect(await counted.textContent()).toMatch(/^29 of 30 contacts/);
      await page.fill('#template', 'Hi {{firstName}}, {{discount}}% off until Sunday');
      await page.selectOption('#timezone', 'Europe/Moscow');
      // A time already past (the engine's clock reads 10:00 in Moscow): refused, at its field.
      await page.fill('#at', '2026-11-27T09:00');
      await page.getByRole('button', { name: 'Save the draft' }).click();
      const atError = page.locator('[data-error-for="at"]');
      await atError.waitFor();
      expect(await atError.textContent()).toMatch(/in the past/);
      expect(await page.locator('#at').getAttribute('aria-invalid')).toBe('true');
      expect(await page.inputValue('#name')).toBe('Black Friday <VIP>');
      await shot(page, 'campaign-editor-error');

      await page.fill('#at', '2026-11-27T11:00');
      await page.getByRole('button', { name: 'Save the draft' }).click();
      await page.waitForURL(/\/campaigns\/\d+$/);
      const campaignId = Number(new URL(page.url()).pathname.split('/').pop());
      expect(await page.locator('.badge[data-status]').first().getAttribute('data-status')).toBe('draft');
      expect(await page.locator('[data-field="template"]').textContent()).toBe(
        'Hi {{firstName}}, {{discount}}% off until Sunday',
      );
      // The sample is the audience's first consenting contact, rendered as the worker would.
      expect(await page.locator('[data-preview="text"]').textContent()).toBe(
        'Hi Name1, 11% off until Sunday',
      );
      await shot(page, 'campaign-draft');

      // A preview for one phone, as people write it.
      await page.fill('#preview-phone', '+7 900 000-00-03');
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      await page.waitForURL(/phone=/);
      expect(await page.locator('[data-preview="text"]').textContent()).toBe(
        'Hi Name3, 13% off until Sunday',
      );

      // A test on WhatsApp to a client Chat2Desk did not know: created, then the delay is explained.
      await page.fill('#test-phone', '79000000002');
      await page.getByRole('button', { name: 'Send a test' }).click();
      await page.waitForURL(`${baseUrl}/campaigns/${campaignId}/test-send`);
      expect(await page.locator('.error[role="alert"]').textContent()).toContain('takes messages to it from');
      h.clock.advance(7 * MINUTE);
      await page.goto(`${baseUrl}/campaigns/${campaignId}`);
      await page.fill('#test-phone', '79000000002');
      await page.getByRole('button', { name: 'Send a test' }).click();
      await page.locator('[data-test-send="sent"]').waitFor();
      expect(await page.locator('pre.message').textContent()).toBe('Hi Name2, 12% off until Sunday');
      const sentToSandbox = h.sandbox.state.messages.filter(
        (m) => m.text === 'Hi Name2, 12% off until Sunday',
      );
      expect(sentToSandbox).toHaveLength(1);

      await page.goto(`${baseUrl}/campaigns/${campaignId}`);
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.locator('.badge[data-status="scheduled"]').first().waitFor();

      // The engine takes it from here: the run at 11:00 Moscow (08:00 UTC), the WhatsApp delay, the sends.
      h.clock.advance(60 * MINUTE);
      await new Timekeeper({ sql: h.db.sql, clock: h.clock }).tick();
      await worker.worker.drain();
      h.clock.advance(7 * MINUTE);
      await worker.worker.drain();
      await page.goto(`${baseUrl}/campaigns/${campaignId}`);
      const report = await campaignReport(h.db.sql, campaignId);
      expect(report.totals.accepted).toBeGreaterThan(0);
      // The segment's count is the campaign's recipients.
      expect(report.total).toBe(29);
      expect(await page.locator('[data-total="accepted"]').textContent()).toBe(
        String(report.totals.accepted),
      );
      expect(await page.locator('[data-total="skipped"]').textContent()).toBe(String(report.totals.skipped));
      expect(await page.locator('[data-state="skipped"][data-reason="opted_out"]').textContent()).toBe(
        String(report.reasons.opted_out),
      );
      await shot(page, 'campaign-report');

      await page.goto(`${baseUrl}/`);
      await shot(page, 'campaigns');
      await page.context().close();
    },
    180_000,
  );

  it.skipIf(!HAS_CHROMIUM)(
    'imports a messy CSV: a preview with each column guessed, the counts as it runs, its rejected rows downloaded',
    async () => {
      const page = await logIn(API_TOKEN);
      await page.goto(`${baseUrl}/contacts`);
      await page.getByRole('link', { name: 'Import a CSV' }).click();
      const messy = [
        '\uFEFFТелефон;Имя;Город',
        '+7 (916) 200-00-01;Алла;Москва',
        '8 916 200 00 02;Борис;Казань',
        'не телефон;Кто-то;Омск',
        '+7 916 200-00-01;Алла Б.;Москва',
      ]
        .join('\r\n')
        .replaceAll(';', ',');
      await page.setInputFiles('#file', {
        name: 'клиенты.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(messy),
      });
      await page.getByRole('button', { name: 'Upload and preview' }).click();
      await page.waitForURL(/\/contacts\/import\/[0-9a-f]{32}/);
      expect(await page.inputValue('select[name="col0"]')).toBe('phone');
      expect(await page.inputValue('select[name="col1"]')).toBe('name');
      expect(await page.inputValue('select[name="col2"]')).toBe('attribute');
      await shot(page, 'contacts-import-mapping');
      await page.fill('#list', 'spring');
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.waitForURL(/\/contacts\/imports\/\d+$/);
      await page.locator('[data-import-status="completed"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-import="rejected"]').textContent()).toBe('1');
      expect(await page.locator('[data-import="inserted"]').textContent()).toBe('2');
      await shot(page, 'contacts-import-result');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-download="rejects"]').click(),
      ]);
      const rejects = await readFile((await download.path())!, 'utf8');
      expect(rejects.trim().split(/\r?\n/)).toEqual([
        'rejected_line,rejected_reason,Телефон,Имя,Город',
        expect.stringMatching(/^4,"?phone: .*не телефон/),
      ]);

      await page.goto(`${baseUrl}/contacts?q=${encodeURIComponent('Алла')}`);
      await page.getByRole('link', { name: '+79162000001' }).click();
      expect(await page.locator('h1').textContent()).toBe('+79162000001 · Алла Б.');
      await shot(page, 'contact');
      await page.goto(`${baseUrl}/lists?list=spring&where=${encodeURIComponent('Город = "Москва"')}`);
      expect(await page.locator('[data-count="segment"]').textContent()).toMatch(/^1 of 2 contacts/);
      await shot(page, 'lists');
      await page.context().close();
    },
    120_000,
  );

  it.skipIf(!HAS_CHROMIUM)(
    'shows an appointment’s reminder timeline after a reschedule',
    async () => {
      const definition = validateCampaignDefinition(
        {
          name: 'Visit reminders',
          kind: 'reminder',
          transport: 'sms',
          template: 'See you soon',
          offsets: ['-24h', '-2h'],
        },
        { now: h.clock.now() },
      );
      await createCampaign(h.db, definition, { now: h.clock.now(), templatesDir: join(ROOT, 'templates') });
      const startsAt = new Date(h.clock.now().getTime() + 3 * 24 * 60 * MINUTE);
      await upsertAppointments(h.db.sql, [{ externalId: 'VISIT-7', phone: '79000000005', startsAt }], {
        now: h.clock.now(),
      });
      const moved = new Date(startsAt.getTime() + 24 * 60 * MINUTE);
      await upsertAppointments(h.db.sql, [{ externalId: 'VISIT-7', phone: '79000000005', startsAt: moved }], {
        now: h.clock.now(),
      });

      const page = await logIn(API_TOKEN);
      await page.goto(`${baseUrl}/appointments?day=${moved.toISOString().slice(0, 10)}`);
      await page.getByRole('link', { name: 'VISIT-7' }).click();
      await page.locator('tr[data-reminder]').first().waitFor();
      const states = await page
        .locator('tr[data-reminder]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
      expect(states).toEqual(['waiting', 'waiting']);
      const events = await page.locator('tr.event').allTextContents();
      expect(events).toHaveLength(2);
      for (const event of events) expect(event).toMatch(/rescheduled · moved from .* to /);
      await shot(page, 'appointment');
      await page.goto(`${baseUrl}/appointments?day=${moved.toISOString().slice(0, 10)}`);
      await shot(page, 'appointments');
      await page.goto(`${baseUrl}/overview`);
      await shot(page, 'overview');
      await page.context().close();
    },
    120_000,
  );

  it.skipIf(!HAS_CHROMIUM)(
    'speaks Russian on every page to a browser that asks for it, with no English left',
    async () => {
      const page = await logIn(API_TOKEN, { locale: 'ru-RU' });
      const [draft] = await h.db.sql<{ id: number }[]>`
        insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, purpose)
        values ('Черновик', 'broadcast', 'draft', 'viber', 1,
                ${h.db.sql.json({ name: 'Черновик', audience: { list: 'vip' }, schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' } })},
                'Привет', 'marketing')
        returning id`;
      const [live] = await h.db.sql<
        { id: number }[]
      >`select id from campaigns where status <> 'draft' order by id limit 1`;
      const paths = [
        '/',
        `/campaigns/${live!.id}`,
        `/campaigns/${draft!.id}`,
        `/campaigns/${draft!.id}/edit`,
        '/campaigns/new',
        '/settings',
        '/campaigns/999999',
        '/overview',
        '/contacts',
        '/contacts/1',
        '/contacts/import',
        '/lists',
        '/appointments',
        '/appointments/1',
      ];
      const english = englishPhrases();
      for (const path of paths) {
        await page.goto(`${baseUrl}${path}`);
        expect(await page.getAttribute('html', 'lang'), path).toBe('ru');
        // textContent: the text as written, not as CSS shows it (upper-cased labels), hidden parts too.
        const text = (await page.locator('body').textContent()) ?? '';
        const left = english.filter(({ pattern }) => pattern.test(text)).map(({ phrase }) => phrase);
        expect(left, path).toEqual([]);
        expect(text, path).not.toMatch(new RegExp(`\\b(?:${Object.keys(en).join('|')})\\.[a-zA-Z]+`));
        await shot(page, `ru${path.replaceAll('/', '-').replace(/-$/, '') || '-campaigns'}`);
      }
      await page.context().close();
    },
    120_000,
  );

  it.skipIf(!HAS_CHROMIUM)('lets a viewer read everything and change nothing', async () => {
    const page = await logIn(VIEWER_TOKEN);
    expect(await page.getByRole('link', { name: 'New campaign' }).count()).toBe(0);
    const [campaign] = await h.db.sql<
      { id: number }[]
    >`select id from campaigns where status = 'scheduled' or status = 'running' or status = 'completed' order by id limit 1`;
    await page.goto(`${baseUrl}/campaigns/${campaign!.id}`);
    expect(await page.locator('main form[method="post"]').count()).toBe(0);
    expect(await page.locator('[data-total="accepted"]').count()).toBe(1);
    const refused = await page.goto(`${baseUrl}/campaigns/new`);
    expect(refused!.status()).toBe(403);
    await page.context().close();
  });
});

/** Keys whose text is the same in both languages: names. */
const SAME_IN_BOTH = new Set(['brand', 'titleSuffix', 'language.en', 'language.ru', 'editor.cron']);

/**
 * The console's own English text that must not show on a Russian page: every phrase (a fragment
 * between placeholders with a space in it) and every one-word label, of values Russian spells
 * differently; fragments Russian uses as they are (Handlebars:, p95) are left out.
 */
function englishPhrases(): Array<{ phrase: string; pattern: RegExp }> {
  const ruText = JSON.stringify(ru);
  const phrases = new Map<string, RegExp>();
  const walk = (enValue: unknown, ruValue: unknown, path: string) => {
    if (typeof enValue === 'string') {
      // Only names are the same in both languages; English copied into ru.ts is caught here.
      if (enValue === ruValue && SAME_IN_BOTH.has(path)) return;
      if (enValue === ruValue) {
        phrases.set(enValue, new RegExp(enValue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return;
      }
      for (const part of enValue.split(/\{\{[^}]*\}\}/)) {
        const phrase = part.trim().replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
        if (!/[a-z]{3}/.test(phrase) || ruText.includes(phrase)) continue;
        const word = !phrase.includes(' ');
        if (word && (phrase.length < 5 || part.trim() !== enValue.trim())) continue;
        const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        phrases.set(phrase, new RegExp(word ? `(?<![\\p{L}-])${escaped}(?![\\p{L}-])` : escaped, 'u'));
      }
      return;
    }
    if (typeof enValue === 'object' && enValue !== null) {
      const ruObject = (ruValue ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(enValue)) {
        const ruPlural = ruObject[key] ?? ruObject[key.replace(/_other$/, '_many')];
        walk(value, ruPlural, path ? `${path}.${key}` : key);
      }
    }
  };
  walk(en, ru, '');
  return [...phrases].map(([phrase, pattern]) => ({ phrase, pattern }));
}
