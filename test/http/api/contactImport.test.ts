import { describe, expect, it } from 'vitest';
import { API_TOKEN, useApiServerOnTestDatabase } from '../apiServer.js';

const { db, server } = useApiServerOnTestDatabase({ phoneRegion: 'KZ' });

interface ImportAnswer {
  importId: number;
  rows: number;
  inserted: number;
  rejected: number;
  consentWithdrawn: number;
  links: Record<string, string>;
  error?: { code: string; details: { issues?: Array<{ path: string }> } };
}

function importCsv(csv: string, query = '') {
  return server.call<ImportAnswer>('POST', `/api/v1/contacts/import${query}`, {
    body: csv,
    contentType: 'text/csv',
  });
}

async function contactCount(): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
  return row!.n;
}

describe('POST /contacts/import', () => {
  it('answers the import report with its links, recorded as coming from the API', async () => {
    const answer = await importCsv('phone,name\n77011234567,Aigerim\n');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ rows: 1, inserted: 1, rejected: 0 });
    expect(answer.body.links.import).toBe(`/api/v1/imports/${answer.body.importId}`);
    const [record] = await db.sql`select source, list_name from imports where id = ${answer.body.importId}`;
    expect(record).toEqual({ source: 'api', list_name: null });
  });

  it('reads Russian headers, and refuses phone and Телефон together naming both', async () => {
    const answer = await importCsv('Телефон клиента,Имя,Согласие\n77011230001,Айгерим,да\n');
    expect(answer.body).toMatchObject({ rows: 1, inserted: 1, rejected: 0 });
    const [contact] = await db.sql`select name, opted_in_at from contacts where phone = '77011230001'`;
    expect(contact?.name).toBe('Айгерим');
    expect(contact?.opted_in_at).not.toBeNull();

    const both = await server.call<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/contacts/import',
      { body: 'phone,Телефон\n77011230002,77011230003\n', contentType: 'text/csv' },
    );
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('csv_duplicate_column');
    expect(both.body.error.message).toContain('"phone" and "Телефон"');
  });

  it('withdraws a recorded consent on opted_in=false, counted in the answer', async () => {
    await importCsv('phone,opted_in\n77011230011,true\n');
    const answer = await importCsv('phone,opted_in\n77011230011,false\n');
    expect(answer.body).toMatchObject({ updated: 1, consentWithdrawn: 1 });
    const [contact] =
      await db.sql`select opted_in_at, consent_withdrawn_source from contacts where phone = '77011230011'`;
    expect(contact).toEqual({ opted_in_at: null, consent_withdrawn_source: 'csv_import' });
  });

  it('takes the file of a multipart/form-data form (what a browser sends), with its list field', async () => {
    const body = new FormData();
    body.append('list', 'Форма');
    body.append('file', new Blob(['Телефон,Имя\n77011230021,Dana\n'], { type: 'text/csv' }), 'clients.csv');

    const response = await fetch(`${server.url}/api/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}` },
      body,
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ rows: 1, inserted: 1 });
    const members = await db.sql`
      select c.name from list_members m join lists l on l.id = m.list_id join contacts c on c.id = m.contact_id
      where l.name = 'Форма'`;
    expect(members).toEqual([{ name: 'Dana' }]);
  });

  it('refuses an empty list field of a form like an empty ?list=, importing nothing', async () => {
    const before = await contactCount();
    const body = new FormData();
    body.append('list', ' ');
    body.append('file', new Blob(['phone\n77011230022\n']), 'clients.csv');

    const response = await fetch(`${server.url}/api/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}` },
      body,
    });

    expect(response.status).toBe(400);
    const refusal = (await response.json()) as { error: { details: { issues: Array<{ path: string }> } } };
    expect(refusal.error.details.issues[0]?.path).toBe('list');
    expect(await contactCount()).toBe(before);
  });

  it('documents both body types in the OpenAPI document, the form with its list field', async () => {
    const doc = await server.call<{
      paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    }>('GET', '/api/v1/openapi.json');
    const content = doc.body.paths['/api/v1/contacts/import']!.post.requestBody.content;
    expect(Object.keys(content).sort()).toEqual(['multipart/form-data', 'text/csv']);
    expect(content['multipart/form-data']!.schema).toMatchObject({
      required: ['file'],
      properties: { list: { maxLength: 200 }, file: { format: 'binary' } },
    });
    const appointments = doc.body.paths['/api/v1/appointments/import']!.post.requestBody.content;
    expect(Object.keys(appointments)).toContain('multipart/form-data');
  });

  it('answers any other body type with a 415 that says to send text/csv or a multipart form', async () => {
    const answer = await server.call<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/contacts/import',
      { body: '<contacts/>', contentType: 'application/xml' },
    );
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
    expect(answer.body.error.message).toContain('text/csv or a multipart/form-data file');
  });

  it('reads phones without a country code in the configured region', async () => {
    const answer = await importCsv('phone\n8 701 765 43 21\n');
    expect(answer.body.inserted).toBe(1);
    const [contact] = await db.sql`select phone from contacts where phone like '%7017654321'`;
    expect(contact?.phone).toBe('77017654321');
  });

  it('adds every imported contact to the list named in ?list=', async () => {
    const answer = await importCsv('phone\n77010000001\n77010000002\n', '?list=Almaty%20VIP');
    expect(answer.status).toBe(200);
    const members = await db.sql`
      select c.phone from list_members m join lists l on l.id = m.list_id join contacts c on c.id = m.contact_id
      where l.name = 'Almaty VIP' order by c.phone`;
    expect(members.map((m) => m.phone)).toEqual(['77010000001', '77010000002']);
  });

  it('refuses an empty or overlong list name, and an unknown parameter, importing nothing', async () => {
    const before = await contactCount();
    const csv = 'phone\n77010000009\n';
    const answers = await Promise.all([
      importCsv(csv, '?list='),
      importCsv(csv, `?list=${'x'.repeat(201)}`),
      importCsv(csv, '?group=vip'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400]);
    expect(answers[1]?.body.error?.details.issues?.[0]?.path).toBe('list');
    expect(await contactCount()).toBe(before);
  });
});
