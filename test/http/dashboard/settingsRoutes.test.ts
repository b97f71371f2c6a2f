import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startDashboardServer } from '../apiServer.js';
import { consoleClient } from './consoleClient.js';

const TOKEN = 'settings-api-token-0123';
const VIEWER = 'settings-viewer-token-0123';

let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const clock = new ManualClock('2026-11-27T10:00:00Z');
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: db.sql,
    clock,
    apiToken: TOKEN,
    viewerToken: VIEWER,
  }));
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const { request, logIn } = consoleClient(() => baseUrl);

const csrfOf = async (res: Response) => /name="csrf" value="([^"]+)"/.exec(await res.text())![1]!;

describe('the language links', () => {
  it('set the language cookie and go back to the page, before any login', async () => {
    const res = await request(`/settings/language?to=ru&next=${encodeURIComponent('/campaigns/3?run=1')}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/campaigns/3?run=1');
    expect(res.headers.get('set-cookie')).toMatch(/^broadcaster_lang=ru; Path=\/; HttpOnly; SameSite=Lax;/);

    const login = await request('/login', { cookie: 'broadcaster_lang=ru' });
    const text = await login.text();
    expect(text).toContain('<html lang="ru"');
    expect(text).toContain('<h1>Вход</h1>');
  });

  it('never send the browser to another site, and refuse a language there is none of', async () => {
    const away = await request(`/settings/language?to=en&next=${encodeURIComponent('//evil.example/')}`);
    expect(away.headers.get('location')).toBe('/');
    expect((await request('/settings/language?to=de&next=/')).status).toBe(400);
  });
});

describe('the settings page', () => {
  it('keeps a chosen zone and language for this browser, and shows times in them', async () => {
    const cookie = await logIn(TOKEN);
    const page = await request('/settings', { cookie });
    expect(page.status).toBe(200);
    const csrf = await csrfOf(page);

    const saved = await request('/settings', { cookie, form: { csrf, lang: 'ru', tz: 'Asia/Vladivostok' } });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/settings?saved=1');
    const cookies = saved.headers.getSetCookie().map((c) => c.split(';')[0]);
    expect(cookies).toEqual(['broadcaster_tz=Asia%2FVladivostok', 'broadcaster_lang=ru']);

    const after = await request('/settings?saved=1', { cookie: [cookie, ...cookies].join('; ') });
    const text = await after.text();
    expect(text).toContain('<div class="notice" role="status">Сохранено.</div>');
    expect(text).toContain('<option selected>Asia/Vladivostok</option>');
    expect(text).toContain('<html lang="ru" data-zone-source="chosen">');
  });

  it('goes back to the browser’s zone when none is chosen', async () => {
    const cookie = await logIn(TOKEN);
    const csrf = await csrfOf(await request('/settings', { cookie }));
    const saved = await request('/settings', { cookie, form: { csrf, tz: '' } });
    expect(saved.headers.getSetCookie()).toEqual([expect.stringMatching(/^broadcaster_tz=; .*Max-Age=0/)]);
  });

  it('is open to a viewer, whose settings are their own', async () => {
    const cookie = await logIn(VIEWER);
    const csrf = await csrfOf(await request('/settings', { cookie }));
    const saved = await request('/settings', { cookie, form: { csrf, lang: 'en', tz: 'Europe/Moscow' } });
    expect(saved.status).toBe(303);
  });

  it('refuses a zone Intl does not know, or a language there is none of, naming the field', async () => {
    const cookie = await logIn(TOKEN);
    const csrf = await csrfOf(await request('/settings', { cookie }));
    const zone = await request('/settings', { cookie, form: { csrf, tz: 'Mars/Olympus' } });
    expect(zone.status).toBe(400);
    expect(await zone.text()).toContain('tz: not a time zone');
    const lang = await request('/settings', { cookie, form: { csrf, lang: 'de' } });
    expect(lang.status).toBe(400);
    expect(await lang.text()).toContain('lang: expected one of en, ru');
  });

  it('needs a login and the form’s CSRF token', async () => {
    expect((await request('/settings')).status).toBe(303);
    const cookie = await logIn(TOKEN);
    expect((await request('/settings', { cookie, form: { csrf: 'forged', tz: 'UTC' } })).status).toBe(403);
  });
});
