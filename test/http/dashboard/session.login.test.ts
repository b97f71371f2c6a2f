import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { insertCampaign } from '../../reports/seedReport.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startDashboardServer } from '../apiServer.js';

const TOKEN = 'api-token-that-must-stay-secret';
const VIEWER_TOKEN = 'viewer-token-that-must-stay-secret';
const HOUR = 3_600_000;

let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
let campaignId: number;
const clock = new ManualClock('2026-11-27T10:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: db.sql,
    clock,
    apiToken: TOKEN,
    viewerToken: VIEWER_TOKEN,
  }));
  campaignId = await insertCampaign(db.sql, { name: 'Guarded', transport: 'viber' });
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

function request(path: string, options: { cookie?: string; form?: Record<string, string> } = {}) {
  return fetch(`${baseUrl}${path}`, {
    method: options.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: options.cookie ? { cookie: options.cookie } : {},
    ...(options.form ? { body: new URLSearchParams(options.form) } : {}),
  });
}

/** Logs in (with API_TOKEN unless told) and returns the `name=value` of the session cookie. */
async function logIn(token = TOKEN): Promise<string> {
  const res = await request('/login', { form: { token, next: '/' } });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

function csrfOf(page: string): string {
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

async function campaignStatus(): Promise<string> {
  const [row] = await db.sql<{ status: string }[]>`select status from campaigns where id = ${campaignId}`;
  return row!.status;
}

describe('the dashboard with API_TOKEN set', () => {
  it('sends a browser without a login to /login, remembering where it was going', async () => {
    const res = await request(`/campaigns/${campaignId}?run=1`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/login?next=${encodeURIComponent(`/campaigns/${campaignId}?run=1`)}`,
    );
    const login = await request('/login?next=/');
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('<input id="token" name="token" type="password"');
  });

  it('refuses a wrong token with 401 and no cookie', async () => {
    const res = await request('/login', { form: { token: 'guess', next: '/' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('That is not a token of this engine.');
  });

  it('logs in with the token: an HttpOnly, SameSite=Strict cookie that does not contain the token', async () => {
    const res = await request('/login', { form: { token: TOKEN, next: `/campaigns/${campaignId}` } });

    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/campaigns/${campaignId}`);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(
      /^broadcaster_session=[\w-]{43}\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(cookie).not.toContain(TOKEN);
    expect(cookie).not.toContain(Buffer.from(TOKEN).toString('base64url'));

    const page = await request(`/campaigns/${campaignId}`, { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Guarded');
  });

  it('never sends the browser off the site after logging in', async () => {
    const tricks = [
      '//evil.example/',
      'https://evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/.//evil.example',
      'javascript:alert(1)',
    ];
    for (const next of tricks) {
      const res = await request('/login', { form: { token: TOKEN, next } });
      expect(res.headers.get('location'), next).toBe('/');
    }
  });

  it('refuses a tampered or expired cookie', async () => {
    const cookie = await logIn();
    const [name, value] = cookie.split('=') as [string, string];
    const [id, mac] = value.split('.') as [string, string];
    const otherId = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    expect((await request('/', { cookie: `${name}=${otherId}.${mac}` })).status).toBe(303);
    expect((await request('/', { cookie: `${name}=${id}.${mac.slice(1)}x` })).status).toBe(303);

    expect((await request('/', { cookie })).status).toBe(200);
    clock.advance(13 * HOUR);
    try {
      expect((await request('/', { cookie })).status).toBe(303);
    } finally {
      clock.advance(-13 * HOUR);
    }
  });

  it('takes a button press only with the session cookie and the CSRF token of that session', async () => {
    const cookie = await logIn();
    const csrf = csrfOf(await (await request(`/campaigns/${campaignId}`, { cookie })).text());
    clock.advance(1000);
    const otherCookie = await logIn();
    const otherCsrf = csrfOf(
      await (await request(`/campaigns/${campaignId}`, { cookie: otherCookie })).text(),
    );
    expect(otherCsrf).not.toBe(csrf);

    const withoutCookie = await request(`/campaigns/${campaignId}/pause`, { form: { csrf } });
    const wrongSession = await request(`/campaigns/${campaignId}/pause`, {
      cookie,
      form: { csrf: otherCsrf },
    });
    expect([withoutCookie.status, wrongSession.status]).toEqual([403, 403]);
    expect(await campaignStatus()).toBe('running');

    const pressed = await request(`/campaigns/${campaignId}/pause`, { cookie, form: { csrf } });
    expect(pressed.status).toBe(303);
    expect(await campaignStatus()).toBe('paused');
  });

  it('lets the viewer token read every page and the CSV, with no button to press', async () => {
    const cookie = await logIn(VIEWER_TOKEN);
    expect(cookie).not.toContain(VIEWER_TOKEN);
    const page = await request(`/campaigns/${campaignId}`, { cookie });
    const text = await page.text();
    expect(page.status).toBe(200);
    expect(text).toContain('Guarded');
    expect(text).not.toMatch(/action="\/campaigns\/\d+\/(pause|resume|cancel)"/);
    expect((await request('/', { cookie })).status).toBe(200);
    expect((await request(`/campaigns/${campaignId}/recipients.csv`, { cookie })).status).toBe(200);
  });

  it('refuses a viewer’s change even with a genuine CSRF token of its own session, saying why', async () => {
    const before = await campaignStatus();
    const cookie = await logIn(VIEWER_TOKEN);
    const csrf = csrfOf(await (await request('/', { cookie })).text()); // its logout form's
    for (const action of ['pause', 'resume', 'cancel']) {
      const pressed = await request(`/campaigns/${campaignId}/${action}`, { cookie, form: { csrf } });
      expect(pressed.status, action).toBe(403);
      expect(await pressed.text()).toContain('only reads');
    }
    expect(await campaignStatus()).toBe(before);

    const out = await request('/logout', { cookie, form: { csrf } });
    expect(out.status).toBe(303);
    expect((await request('/', { cookie })).status).toBe(303);
  });

  it('keeps the recipients CSV behind the login', async () => {
    const res = await request(`/campaigns/${campaignId}/recipients.csv`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login\?next=/);
  });

  it('logs out by revoking the session: a copy of the cookie no longer logs anyone in', async () => {
    const cookie = await logIn();
    const csrf = csrfOf(await (await request('/', { cookie })).text());

    const res = await request('/logout', { cookie, form: { csrf } });

    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    expect(res.headers.get('set-cookie')).toMatch(
      /^broadcaster_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/,
    );
    const replayed = await request('/', { cookie });
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toMatch(/^\/login/);
  });

  it('stores only a hash of the session id', async () => {
    const cookie = await logIn();
    const id = cookie.split('=')[1]!.split('.')[0]!;
    const rows = await db.sql<{ id_hash: string }[]>`select id_hash from dashboard_sessions`;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.id_hash)).not.toContain(id);
  });
});

describe('guessing the token', () => {
  it('is refused with 429 after ten wrong tries from one address, even when the next try is right', async () => {
    const { app: guarded, url } = await startDashboardServer({
      sql: db.sql,
      clock,
      apiToken: TOKEN,
      viewerToken: VIEWER_TOKEN,
    });
    try {
      const post = (token: string) =>
        fetch(`${url}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token }) });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await post(`guess-${i}`)).status);
      expect(statuses).toEqual(Array(10).fill(401));
      const blocked = await post(TOKEN);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.headers.get('set-cookie')).toBeNull();
    } finally {
      await guarded.close();
    }
  });
});

describe('behind a TLS proxy', () => {
  it('marks the cookie Secure when TRUST_PROXY believes the proxy says https', async () => {
    const { app: proxied, url } = await startDashboardServer(
      { sql: db.sql, clock, apiToken: TOKEN },
      { trustProxy: true },
    );
    try {
      const res = await fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'x-forwarded-proto': 'https' },
        body: new URLSearchParams({ token: TOKEN, next: '/' }),
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
    } finally {
      await proxied.close();
    }
    // Without TRUST_PROXY the same header is not believed.
    const res = await request('/login', { form: { token: TOKEN, next: '/' } });
    expect(res.headers.get('set-cookie')).not.toMatch(/Secure/);
  });
});
