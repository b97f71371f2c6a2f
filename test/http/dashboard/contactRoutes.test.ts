import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { getImport } from '../../../src/contacts/importQueries.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { eventually } from '../../support/engineHarness.js';
import { startDashboardServer } from '../apiServer.js';
import { consoleClient } from './consoleClient.js';

const TOKEN = 'contacts-api-token-0123';
const VIEWER = 'contacts-viewer-token-0123';
const ROOT = join(import.meta.dirname, '..', '..', '..');
const clock = new ManualClock('2026-11-27T07:00:00.000Z');
let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
let admin: string;
let viewer: string;

/** A file as people export it: Russian headers, a BOM, semicolons no, spaces, a broken phone, a repeat. */
const MESSY_CSV = `\uFEFFТелефон,Имя,Город,Согласие
+7 (916) 100-00-01,Анна,Москва,true
8 916 100 00 02,Борис,Казань,2026-10-01T10:00:00+03:00
12345,Сломанный,Омск,true
+7 916 100-00-01,Анна Петрова,Москва,
,Без телефона,Тверь,true
`;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app, url: baseUrl } = await startDashboardServer({
    sql: db.sql,
    clock,
    apiToken: TOKEN,
    viewerToken: VIEWER,
    editor: { db, templatesDir: join(ROOT, 'templates'), phoneRegion: 'RU' },
  }));
  admin = await logIn(TOKEN);
  viewer = await logIn(VIEWER);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const { request, logIn, csrfOf } = consoleClient(() => baseUrl);

function upload(csrf: string, text: string): FormData {
  const form = new FormData();
  form.append('csrf', csrf);
  form.append('file', new Blob([text], { type: 'text/csv' }), 'клиенты.csv');
  return form;
}

describe('the contact import in the console', () => {
  it('uploads a messy file, guesses its columns, imports it, and gives its rejected rows back', async () => {
    const csrf = await csrfOf(admin, '/contacts/import');
    const uploaded = await request('/contacts/import', { cookie: admin, body: upload(csrf, MESSY_CSV) });
    expect(uploaded.status).toBe(303);
    const mappingUrl = uploaded.headers.get('location')!;
    expect(mappingUrl).toMatch(/^\/contacts\/import\/[0-9a-f]{32}\?name=/);

    const mapping = await (await request(mappingUrl, { cookie: admin })).text();
    // Телефон is the phone, Имя the name, Согласие the consent; Город stays an attribute.
    for (const [column, target] of [
      ['col0', 'phone'],
      ['col1', 'name'],
      ['col2', 'attribute'],
      ['col3', 'opted_in'],
    ]) {
      expect(mapping).toMatch(
        new RegExp(
          `name="${column}"[^>]*>(?:<option value="\\w+">[^<]*</option>)*<option value="${target}" selected>`,
        ),
      );
    }
    expect(mapping).toContain('<td>Сломанный</td>');

    const form: Record<string, string> = {
      csrf,
      col0: 'phone',
      col1: 'name',
      col2: 'attribute',
      col3: 'opted_in',
      list: 'imported',
    };
    const started = await request(mappingUrl.split('?')[0]!, { cookie: admin, form });
    expect(started.status).toBe(303);
    const importId = Number(started.headers.get('location')!.split('/').pop());
    await eventually(
      async () => (await getImport(db.sql, importId)).status !== 'running',
      20_000,
      'the import to finish',
    );

    const record = await getImport(db.sql, importId);
    expect(record).toMatchObject({
      status: 'completed',
      rows: 5,
      inserted: 2,
      rejected: 2,
      repeated: 1,
      listName: 'imported',
    });
    const page = await (await request(`/contacts/imports/${importId}`, { cookie: admin })).text();
    expect(page).toContain('<div class="value" data-import="rejected">2</div>');
    const rejects = await request(`/contacts/imports/${importId}/rejects.csv`, { cookie: admin });
    const lines = (await rejects.text()).trim().split(/\r?\n/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^4,/);
    expect(lines[2]).toMatch(/^6,/);

    const [anna] = await db.sql<{ name: string; attributes: Record<string, string> }[]>`
      select name, attributes from contacts where phone = '79161000001'`;
    expect(anna).toEqual({ name: 'Анна Петрова', attributes: { Город: 'Москва' } });
  });

  it('refuses a mapping without a phone, or with a field twice, and keeps the upload for another try', async () => {
    const csrf = await csrfOf(admin, '/contacts/import');
    const uploaded = await request('/contacts/import', { cookie: admin, body: upload(csrf, MESSY_CSV) });
    const url = uploaded.headers.get('location')!.split('?')[0]!;
    const none = await request(url, { cookie: admin, form: { csrf, col0: 'attribute', col1: 'name' } });
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('No column is the phone');
    const twice = await request(url, { cookie: admin, form: { csrf, col0: 'phone', col1: 'phone' } });
    expect(await twice.text()).toContain('Two columns are both phone');
    expect((await request(url, { cookie: admin })).status).toBe(200);
  });

  it('keeps no file from a form without its CSRF token, and gives a viewer no import', async () => {
    const refused = await request('/contacts/import', { cookie: admin, body: upload('forged', MESSY_CSV) });
    expect(refused.status).toBe(403);
    expect((await request('/contacts/import', { cookie: viewer })).status).toBe(403);
    const viewerCsrf = await csrfOf(viewer, '/contacts');
    expect(
      (await request('/contacts/import', { cookie: viewer, body: upload(viewerCsrf, MESSY_CSV) })).status,
    ).toBe(403);
  });
});

describe('the contacts pages', () => {
  it('find contacts by phone in any format or by name, and show one with its consent and lists', async () => {
    const byPhone = await (
      await request(`/contacts?q=${encodeURIComponent('8 (916) 100-00-02')}`, { cookie: viewer })
    ).text();
    expect(byPhone).toContain('+79161000002');
    expect(byPhone).not.toContain('+79161000001');
    const byName = await (
      await request(`/contacts?q=${encodeURIComponent('анна')}`, { cookie: viewer })
    ).text();
    const id = /<a href="\/contacts\/(\d+)">\+79161000001<\/a>/.exec(byName)![1];
    const page = await (await request(`/contacts/${id}`, { cookie: viewer })).text();
    expect(page).toContain('<h1>+79161000001 · Анна Петрова</h1>');
    expect(page).toMatch(
      /<li data-consent="opted_in"><time[^>]*>[^<]+<\/time> — opted in \(source: csv_import\)<\/li>/,
    );
    expect(page).toContain('<dt>Город</dt><dd>Москва</dd>');
    expect(page).toContain('imported');
    expect((await request('/contacts/999999', { cookie: viewer })).status).toBe(404);
    const inList = await (await request('/contacts?list=imported', { cookie: viewer })).text();
    expect(inList).toContain('2 contacts');
    expect(await (await request('/contacts?list=nobody', { cookie: viewer })).text()).toContain(
      'No contact matches.',
    );
  });
});
