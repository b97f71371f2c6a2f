import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedContacts } from '../../support/engineHarness.js';
import { startDashboardServer } from '../apiServer.js';
import { consoleClient } from './consoleClient.js';

const TOKEN = 'lists-api-token-0123456';
const VIEWER = 'lists-viewer-token-0123456';
let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
let admin: string;
let viewer: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedContacts(db.sql, { count: 40, list: 'vip', optedOutEvery: 10, noConsentEvery: 4 });
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: db.sql,
    clock: new ManualClock('2026-11-27T07:00:00.000Z'),
    apiToken: TOKEN,
    viewerToken: VIEWER,
    editor: { db, templatesDir: join(import.meta.dirname, '..', '..', '..', 'templates'), phoneRegion: 'RU' },
  }));
  admin = await logIn(TOKEN);
  viewer = await logIn(VIEWER);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const { request, logIn } = consoleClient(() => baseUrl);

describe('the lists page', () => {
  it('lists the lists with their sizes, and counts a segment of one', async () => {
    const where = encodeURIComponent('discount >= 25');
    const page = await (await request(`/lists?list=vip&where=${where}`, { cookie: viewer })).text();
    expect(page).toMatch(/<tr data-list="vip">.*<td class="num">40<\/td>/);
    // discount = 10 + i % 20 ≥ 25: i % 20 in 15..19 → 10 of 40; opted in: minus 16, 20(out), 36, 40(out)… → see the count.
    expect(page).toMatch(
      /<span data-count="segment" role="status">10 of 40 contacts \(\d+ of them opted in\)<\/span>/,
    );
    expect(page).not.toContain('method="post" action="/lists"'); // a viewer makes no list
  });

  it('says what is wrong with a filter, at its field', async () => {
    const res = await request(`/lists?where=${encodeURIComponent('discount >=')}`, { cookie: viewer });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('data-error-for="where"');
  });

  it('makes a list, and refuses a name taken or empty', async () => {
    const page = await (await request('/lists', { cookie: admin })).text();
    const csrf = /action="\/lists" class="editor">\s*<input type="hidden" name="csrf" value="([^"]+)"/.exec(
      page,
    )![1]!;
    const made = await request('/lists', {
      cookie: admin,
      form: { csrf, name: 'winter', description: 'for the sale' },
    });
    expect(made.status).toBe(303);
    expect(await db.sql`select description from lists where name = 'winter'`).toEqual([
      { description: 'for the sale' },
    ]);
    expect((await request('/lists', { cookie: admin, form: { csrf, name: 'winter' } })).status).toBe(409);
    expect((await request('/lists', { cookie: admin, form: { csrf, name: ' ' } })).status).toBe(422);
    const viewerCsrf = /name="csrf" value="([^"]+)"/.exec(
      await (await request('/lists', { cookie: viewer })).text(),
    )![1]!;
    expect(
      (await request('/lists', { cookie: viewer, form: { csrf: viewerCsrf, name: 'viewers' } })).status,
    ).toBe(403);
  });
});
