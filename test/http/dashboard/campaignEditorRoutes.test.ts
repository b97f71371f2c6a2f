import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedContacts } from '../../support/engineHarness.js';
import { startDashboardServer } from '../apiServer.js';
import { consoleClient } from './consoleClient.js';

const TOKEN = 'editor-api-token-0123456';
const VIEWER = 'editor-viewer-token-0123456';
const ROOT = join(import.meta.dirname, '..', '..', '..');

let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
let admin: string;
let viewer: string;
const clock = new ManualClock('2026-11-27T07:00:00.000Z');

beforeAll(async () => {
  db = await createTestDatabase();
  await seedContacts(db.sql, { count: 12, list: 'vip', optedOutEvery: 4, noConsentEvery: 6 });
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: db.sql,
    clock,
    apiToken: TOKEN,
    viewerToken: VIEWER,
    editor: { db, templatesDir: join(ROOT, 'templates'), phoneRegion: 'RU', accountPerSecond: 2 },
  }));
  admin = await logIn(TOKEN);
  viewer = await logIn(VIEWER);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const { request, logIn } = consoleClient(() => baseUrl);

async function csrf(cookie: string, path = '/campaigns/new'): Promise<string> {
  const text = await (await request(path, { cookie })).text();
  return /<form method="post" action="[^"]*"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)"/.exec(
    text,
  )![1]!;
}

const FORM = {
  name: 'Winter sale',
  kind: 'broadcast',
  transport: 'viber',
  channelId: '',
  purpose: 'marketing',
  list: 'vip',
  where: '',
  template: 'Hi {{firstName}}',
  scheduleMode: 'at',
  at: '2026-11-28T10:00',
  cron: '',
  timezone: 'Europe/Moscow',
  offsets: '',
  windowFrom: '09:00',
  windowTo: '21:00',
  perSecond: '',
  kept: '',
};

async function createDraft(overrides: Record<string, string> = {}): Promise<number> {
  const res = await request('/campaigns/new', {
    cookie: admin,
    form: { ...FORM, ...overrides, csrf: await csrf(admin) },
  });
  expect(res.status).toBe(303);
  return Number(res.headers.get('location')!.split('/').pop());
}

async function status(id: number): Promise<string | undefined> {
  const [row] = await db.sql<{ status: string }[]>`select status from campaigns where id = ${id}`;
  return row?.status;
}

describe('the campaign editor', () => {
  it('saves a valid form as a draft with the document the API would have taken', async () => {
    const id = await createDraft();
    const [row] = await db.sql<{ status: string; definition: Record<string, unknown>; schedule_at: Date }[]>`
      select status, definition, schedule_at from campaigns where id = ${id}`;
    expect(row!.status).toBe('draft');
    expect(row!.schedule_at).toEqual(new Date('2026-11-28T07:00:00.000Z'));
    expect(row!.definition).toMatchObject({ name: 'Winter sale', audience: { list: 'vip' }, draft: true });
  });

  it('shows every problem at its field, keeps what was typed, and saves nothing', async () => {
    const before = await db.sql`select count(*)::int as n from campaigns`;
    const res = await request('/campaigns/new', {
      cookie: admin,
      form: { ...FORM, name: '', list: 'nobody', at: 'soon', perSecond: '-3', csrf: await csrf(admin) },
    });
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text).toMatch(/data-error-for="name"/);
    expect(text).toMatch(/data-error-for="at"/);
    expect(text).toMatch(/data-error-for="perSecond"/);
    expect(text).toContain(
      '<textarea id="template" name="template" rows="6" class="mono">Hi {{firstName}}</textarea>',
    );
    expect(await db.sql`select count(*)::int as n from campaigns`).toEqual(before);
  });

  it('counts the audience the form describes, segment included, without saving', async () => {
    const before = await db.sql`select count(*)::int as n from campaigns`;
    const counted = await request('/campaigns/new', {
      cookie: admin,
      form: { ...FORM, where: 'discount >= 20', intent: 'check', csrf: await csrf(admin) },
    });
    expect(counted.status).toBe(200);
    // discount = 10 + i % 20 for i in 1..12: 10 + 10, 11 and 12 → 20, 21, 22.
    expect(await counted.text()).toMatch(
      /<span data-count="audience" role="status">3 of 12 contacts \(2 of them opted in\)<\/span>/,
    );
    const bad = await request('/campaigns/new', {
      cookie: admin,
      form: { ...FORM, where: 'discount >=', intent: 'check', csrf: await csrf(admin) },
    });
    expect(await bad.text()).toMatch(
      /data-error-for="where">expected a &quot;text&quot; or a number, found the end/,
    );
    expect(await db.sql`select count(*)::int as n from campaigns`).toEqual(before);
  });

  it('saves the segment with the campaign, and shows it in the set-up', async () => {
    const id = await createDraft({ where: 'discount >= 20' });
    const [row] = await db.sql<
      { audience_where: string }[]
    >`select audience_where from campaigns where id = ${id}`;
    expect(row!.audience_where).toBe('discount >= 20');
    expect(await (await request(`/campaigns/${id}`, { cookie: admin })).text()).toContain(
      '<span class="mono" data-field="where">discount &gt;= 20</span>',
    );
  });

  it('refuses a list that does not exist at the audience field', async () => {
    const res = await request('/campaigns/new', {
      cookie: admin,
      form: { ...FORM, list: 'nobody', csrf: await csrf(admin) },
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/data-error-for="list">no contact list named &quot;nobody&quot;/);
  });

  it('edits a draft in place, and sends a campaign that went live back to its page', async () => {
    const id = await createDraft();
    const page = await (await request(`/campaigns/${id}/edit`, { cookie: admin })).text();
    expect(page).toContain('value="Winter sale"');
    expect(page).toContain('value="2026-11-28T10:00"');
    const saved = await request(`/campaigns/${id}/edit`, {
      cookie: admin,
      form: { ...FORM, name: 'Winter sale, revised', csrf: await csrf(admin, `/campaigns/${id}/edit`) },
    });
    expect(saved.headers.get('location')).toBe(`/campaigns/${id}`);
    const [row] = await db.sql<{ name: string }[]>`select name from campaigns where id = ${id}`;
    expect(row!.name).toBe('Winter sale, revised');

    const published = await request(`/campaigns/${id}/publish`, {
      cookie: admin,
      form: { csrf: await csrf(admin) },
    });
    expect(published.status).toBe(303);
    expect(await status(id)).toBe('scheduled');
    const edit = await request(`/campaigns/${id}/edit`, { cookie: admin });
    expect(edit.headers.get('location')).toBe(`/campaigns/${id}`);
  });

  it('keeps, through an edit in the form, what the form has no field for', async () => {
    const id = await createDraft({ name: 'With variables' });
    await db.sql`
      update campaigns set definition = definition || ${db.sql.json({ variables: { endsAt: '2026-12-31' } })}
      where id = ${id}`;
    const page = await (await request(`/campaigns/${id}/edit`, { cookie: admin })).text();
    const kept = /<input type="hidden" name="kept" value="([^"]*)">/
      .exec(page)![1]!
      .replaceAll('&quot;', '"');
    expect(page).toContain('data-kept');
    const token = await csrf(admin, `/campaigns/${id}/edit`);
    await request(`/campaigns/${id}/edit`, {
      cookie: admin,
      form: { ...FORM, name: 'Edited', kept, csrf: token },
    });
    const [row] = await db.sql<{ definition: Record<string, unknown>; template_variables: unknown }[]>`
      select definition, template_variables from campaigns where id = ${id}`;
    expect(row!.definition).toMatchObject({ name: 'Edited', variables: { endsAt: '2026-12-31' } });
    expect(row!.template_variables).toEqual({ endsAt: '2026-12-31' });
  });

  it('starts a copy from a campaign, as a form not yet saved', async () => {
    const id = await createDraft({ name: 'Original' });
    const copy = await (await request(`/campaigns/new?from=${id}`, { cookie: admin })).text();
    expect(copy).toContain('value="Original (2)"');
    expect(copy).toContain('action="/campaigns/new"');
  });

  it('archives a campaign that sends nothing more and brings it back; one that may still send is refused', async () => {
    const id = await createDraft({ name: 'To archive' });
    const token = await csrf(admin);
    expect((await request(`/campaigns/${id}/archive`, { cookie: admin, form: { csrf: token } })).status).toBe(
      303,
    );
    expect(await (await request(`/campaigns/${id}`, { cookie: admin })).text()).toContain(
      'data-notice="archived"',
    );
    expect(await (await request('/', { cookie: admin })).text()).not.toContain(`data-campaign-id="${id}"`);
    expect(await (await request('/?archived=1', { cookie: admin })).text()).toContain(
      `data-campaign-id="${id}"`,
    );
    expect(
      (await request(`/campaigns/${id}/unarchive`, { cookie: admin, form: { csrf: token } })).status,
    ).toBe(303);
    expect(await (await request('/', { cookie: admin })).text()).toContain(`data-campaign-id="${id}"`);

    await request(`/campaigns/${id}/publish`, { cookie: admin, form: { csrf: token } });
    const refused = await request(`/campaigns/${id}/archive`, { cookie: admin, form: { csrf: token } });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('cancel it first');
  });

  it('deletes a draft', async () => {
    const id = await createDraft();
    const res = await request(`/campaigns/${id}/delete`, {
      cookie: admin,
      form: { csrf: await csrf(admin) },
    });
    expect(res.headers.get('location')).toBe('/');
    expect(await status(id)).toBeUndefined();
  });

  it('shows a draft’s set-up, a preview of its sample contact and its forecast', async () => {
    const id = await createDraft();
    const text = await (await request(`/campaigns/${id}`, { cookie: admin })).text();
    expect(text).toContain('<pre class="message" data-preview="text">Hi Name1</pre>');
    // 12 members: 3 opted out (every 4th), 1 more without consent (6; 12 is out already).
    expect(text).toContain('<dd data-forecast="audience">12</dd>');
    expect(text).toContain('<dd data-forecast="recipients">8</dd>');
    expect(text).toMatch(
      /<dd data-forecast="finishesAt">about 2026-11-28 07:00, at 2 messages a second<\/dd>/,
    );
    expect(text).toContain('href="/campaigns/new?from=');
  });

  it('says a test message cannot be sent where the engine has no Chat2Desk client', async () => {
    const id = await createDraft();
    const res = await request(`/campaigns/${id}/test-send`, {
      cookie: admin,
      form: { csrf: await csrf(admin), phone: '79000000001' },
    });
    expect(res.status).toBe(503);
  });

  it('is not for a viewer: no button to it, and every page and post of it refused', async () => {
    const id = await createDraft();
    expect(await (await request('/', { cookie: viewer })).text()).not.toContain('href="/campaigns/new"');
    const page = await (await request(`/campaigns/${id}`, { cookie: viewer })).text();
    expect(page).not.toContain(`action="/campaigns/${id}/publish"`);
    expect(page).not.toContain(`href="/campaigns/${id}/edit"`);
    expect((await request('/campaigns/new', { cookie: viewer })).status).toBe(403);
    expect((await request(`/campaigns/${id}/edit`, { cookie: viewer })).status).toBe(403);
    const viewerCsrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    for (const action of ['publish', 'delete', 'edit', 'test-send']) {
      const res = await request(`/campaigns/${id}/${action}`, {
        cookie: viewer,
        form: { ...FORM, csrf: viewerCsrf },
      });
      expect(res.status, action).toBe(403);
    }
    const created = await request('/campaigns/new', { cookie: viewer, form: { ...FORM, csrf: viewerCsrf } });
    expect(created.status).toBe(403);
    expect(await status(id)).toBe('draft');
  });
});
