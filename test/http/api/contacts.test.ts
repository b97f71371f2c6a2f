import { describe, expect, it } from 'vitest';
import { API_TOKEN, useApiServerOnTestDatabase } from '../apiServer.js';

const { db, server } = useApiServerOnTestDatabase();

interface Contact {
  id: number;
  phone: string;
  name: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  consent: string;
  optedInAt: string | null;
  optInSource: string | null;
  optedOutAt: string | null;
  optOutReason: string | null;
  lists: string[];
}
interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> & { issues?: unknown[] } };
}

async function createContact(body: Record<string, unknown>): Promise<Contact> {
  const answer = await server.call<Contact>('POST', '/api/v1/contacts', { json: body });
  expect(answer.status).toBe(201);
  return answer.body;
}

describe('contacts', () => {
  it('creates a contact with its phone normalised, and reads it back', async () => {
    const created = await server.call<Contact>('POST', '/api/v1/contacts', {
      json: {
        phone: '+7 (999) 100-00-01',
        name: 'Anna Petrova',
        timezone: 'Europe/Moscow',
        attributes: { discount: 15 },
        optIn: { source: 'website form', at: '2026-11-20T10:00:00+03:00' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/contacts/${created.body.id}`);
    expect(created.body).toMatchObject({
      phone: '79991000001',
      name: 'Anna Petrova',
      consent: 'opted_in',
      optedInAt: '2026-11-20T07:00:00.000Z',
      optInSource: 'website form',
      attributes: { discount: 15 },
      lists: [],
    });
    const read = await server.call<Contact>('GET', `/api/v1/contacts/${created.body.id}`);
    expect(read.body).toEqual(created.body);
  });

  it('refuses a second contact with the same phone, naming the first', async () => {
    const first = await createContact({ phone: '79991000002' });
    const again = await server.call<ErrorAnswer>('POST', '/api/v1/contacts', {
      json: { phone: '8 999 100 00 02' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'contact_exists', details: { contactId: first.id } });
  });

  it('refuses a phone that cannot be one, and a time zone that does not exist, at their fields', async () => {
    const phone = await server.call<ErrorAnswer>('POST', '/api/v1/contacts', { json: { phone: '12-34' } });
    expect(phone.status).toBe(400);
    expect(phone.body.error).toMatchObject({
      code: 'contact_invalid',
      details: { issues: [{ path: 'phone' }] },
    });
    const zone = await server.call<ErrorAnswer>('POST', '/api/v1/contacts', {
      json: { phone: '79991000003', timezone: 'Mars/Olympus' },
    });
    expect(zone.status).toBe(400);
    expect(zone.body.error.details.issues).toEqual([expect.objectContaining({ path: 'timezone' })]);
  });

  it('refuses consent dated in the future', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/contacts', {
      json: { phone: '79991000004', optIn: { source: 'form', at: '2030-01-01T00:00:00Z' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toEqual([expect.objectContaining({ path: 'optIn.at' })]);
  });

  it('patches only the fields given, merging attributes and removing those set to null', async () => {
    const contact = await createContact({ phone: '79991000005', name: 'Old', attributes: { a: 1, b: 2 } });
    const answer = await server.call<Contact>('PATCH', `/api/v1/contacts/${contact.id}`, {
      json: { name: 'New', attributes: { b: null, c: 'three' } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      name: 'New',
      phone: '79991000005',
      attributes: { a: 1, c: 'three' },
    });
    expect(answer.body.attributes).not.toHaveProperty('b');
    const empty = await server.call<ErrorAnswer>('PATCH', `/api/v1/contacts/${contact.id}`, { json: {} });
    expect(empty.status).toBe(400);
    const taken = await server.call<ErrorAnswer>('PATCH', `/api/v1/contacts/${contact.id}`, {
      json: { phone: '79991000002' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('contact_exists');
  });

  it('answers 404 contact_not_found for a contact that does not exist', async () => {
    for (const [method, path, json] of [
      ['GET', '/api/v1/contacts/99999', undefined],
      ['PATCH', '/api/v1/contacts/99999', { name: 'x' }],
      ['DELETE', '/api/v1/contacts/99999', undefined],
      ['POST', '/api/v1/contacts/99999/opt-in', { source: 'x' }],
      ['POST', '/api/v1/contacts/99999/opt-out', { reason: 'x' }],
    ] as const) {
      const answer = await server.call<ErrorAnswer>(method, path, json ? { json } : {});
      expect({ path: `${method} ${path}`, status: answer.status }).toEqual({
        path: `${method} ${path}`,
        status: 404,
      });
      expect(answer.body.error.code).toBe('contact_not_found');
    }
  });

  it('lists contacts a page at a time, filtered by consent, list and search', async () => {
    await createContact({ phone: '79992000001', name: 'Filter Alpha', optIn: { source: 'x' } });
    await createContact({ phone: '79992000002', name: 'Filter Beta' });
    const page = await server.call<{ items: Contact[]; total: number; limit: number; offset: number }>(
      'GET',
      '/api/v1/contacts?search=7999200&limit=1',
    );
    expect(page.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(page.body.items.map((c) => c.phone)).toEqual(['79992000001']);
    const byName = await server.call<{ items: Contact[] }>('GET', '/api/v1/contacts?search=beta');
    expect(byName.body.items.map((c) => c.name)).toEqual(['Filter Beta']);
    const consenting = await server.call<{ items: Contact[] }>(
      'GET',
      '/api/v1/contacts?search=Filter&consent=opted_in',
    );
    expect(consenting.body.items.map((c) => c.name)).toEqual(['Filter Alpha']);
  });

  it('records an opt-in with its source and time, and an opt-out that skips what was not sent', async () => {
    const contact = await createContact({ phone: '79993000001' });
    const optIn = await server.call<Contact>('POST', `/api/v1/contacts/${contact.id}/opt-in`, {
      json: { source: 'paper form', at: '2026-11-01T09:00:00Z' },
    });
    expect(optIn.status).toBe(200);
    expect(optIn.body).toMatchObject({
      consent: 'opted_in',
      optInSource: 'paper form',
      optedInAt: '2026-11-01T09:00:00.000Z',
    });

    // One delivery still waiting to go out, to see the opt-out skip it at once.
    const [run] = await db.sql`
      with c as (
        insert into campaigns (name, kind, status, transport, definition, template_source)
        values ('x', 'broadcast', 'running', 'sms', '{}', 'hi') returning id
      )
      insert into campaign_runs (campaign_id, scheduled_for) select id, now() from c returning id, campaign_id`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport)
      values (${run!.id}, ${run!.campaign_id}, ${contact.id}, now(), now(), 'sms')`;

    const optOut = await server.call<{ contact: Contact; deliveriesSkipped: number }>(
      'POST',
      `/api/v1/contacts/${contact.id}/opt-out`,
      { json: { reason: 'asked by phone' } },
    );
    expect(optOut.status).toBe(200);
    expect(optOut.body).toMatchObject({
      contact: {
        consent: 'opted_out',
        optOutReason: 'asked by phone',
        optedOutAt: server.clock.now().toISOString(),
      },
      deliveriesSkipped: 1,
    });
    const [delivery] = await db.sql`select state, reason from deliveries where contact_id = ${contact.id}`;
    expect(delivery).toEqual({ state: 'skipped', reason: 'opted_out' });

    // A contact with deliveries is part of a report: not deleted.
    const deleted = await server.call<ErrorAnswer>('DELETE', `/api/v1/contacts/${contact.id}`);
    expect(deleted.status).toBe(409);
    expect(deleted.body.error).toMatchObject({ code: 'contact_has_deliveries', details: { deliveries: 1 } });

    // A renewed consent lifts the opt-out.
    const again = await server.call<Contact>('POST', `/api/v1/contacts/${contact.id}/opt-in`, {
      json: { source: 'sms reply' },
    });
    expect(again.body).toMatchObject({
      consent: 'opted_in',
      optedOutAt: null,
      optedInAt: server.clock.now().toISOString(),
    });
  });

  it('refuses an opt-out without a reason and an opt-in without a source', async () => {
    const contact = await createContact({ phone: '79993000002' });
    const out = await server.call<ErrorAnswer>('POST', `/api/v1/contacts/${contact.id}/opt-out`, {
      json: {},
    });
    expect(out.body.error.details.issues).toEqual([{ path: 'reason', message: 'required' }]);
    const inn = await server.call<ErrorAnswer>('POST', `/api/v1/contacts/${contact.id}/opt-in`, {
      json: { source: 5 },
    });
    expect(inn.body.error.details.issues).toEqual([{ path: 'source', message: 'must be string' }]);
  });

  it('deletes a contact no campaign has reached', async () => {
    const contact = await createContact({ phone: '79993000003' });
    const answer = await server.call('DELETE', `/api/v1/contacts/${contact.id}`);
    expect(answer.status).toBe(204);
    expect((await server.call('GET', `/api/v1/contacts/${contact.id}`)).status).toBe(404);
  });
});

describe('importing contacts from CSV', () => {
  it('streams the CSV into the importer, adds the contacts to the list and answers the report', async () => {
    const csv = [
      'phone,name,opted_in,city',
      '+7 999 400-00-01,Ivan,true,Moscow',
      'not a phone,Broken,true,Kazan',
      '8 (999) 400-00-02,Olga,false,Tver',
    ].join('\n');
    const answer = await server.call<{ rows: number; inserted: number; rejected: number; errors: unknown[] }>(
      'POST',
      '/api/v1/contacts/import?list=imported',
      { body: csv, contentType: 'text/csv' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ rows: 3, inserted: 2, rejected: 1 });
    expect(answer.body.errors).toEqual([expect.objectContaining({ line: 3, column: 'phone' })]);

    const members = await server.call<{ items: Contact[] }>('GET', '/api/v1/contacts?list=imported');
    expect(members.body.items.map((c) => c.phone).sort()).toEqual(['79994000001', '79994000002']);
    expect(members.body.items.find((c) => c.phone === '79994000001')?.attributes).toMatchObject({
      city: 'Moscow',
    });
  });

  it("keeps every problem in the import's record: the issues page by page, the rejected rows as a CSV to fix", async () => {
    const rows = ['phone,name,timezone'];
    for (let i = 0; i < 1_005; i++) rows.push(`12${i},Bad ${i},`);
    rows.push('+7 999 400-00-10,Kept,Mars/Olympus', '9994000010,Repeated,');
    const answer = await server.call<{
      importId: number;
      rejected: number;
      errors: unknown[];
      errorsTruncated: boolean;
      warned: number;
      repeats: unknown[];
      links: Record<string, string>;
    }>('POST', '/api/v1/contacts/import', { body: rows.join('\n'), contentType: 'text/csv' });

    expect(answer.status).toBe(200);
    const { importId } = answer.body;
    expect(answer.body).toMatchObject({ rejected: 1_005, warned: 1, errorsTruncated: true });
    expect(answer.body.errors).toHaveLength(1_000);
    expect(answer.body.repeats).toEqual([{ line: 1_008, key: '79994000010', earlierLine: 1_007 }]);
    expect(answer.body.links).toEqual({
      import: `/api/v1/imports/${importId}`,
      issues: `/api/v1/imports/${importId}/issues`,
      rejectedRows: `/api/v1/imports/${importId}/rejects.csv`,
    });

    const record = await server.call('GET', `/api/v1/imports/${importId}`);
    expect(record.body).toMatchObject({
      id: importId,
      kind: 'contacts',
      source: 'api',
      status: 'completed',
      header: ['phone', 'name', 'timezone'],
      rows: 1_007,
      inserted: 1,
      updated: 1,
      rejected: 1_005,
      warned: 1,
      repeated: 1,
    });
    const rejected = await server.call<{ total: number; items: Array<{ line: number }> }>(
      'GET',
      `/api/v1/imports/${importId}/issues?kind=rejected&limit=200&offset=1000`,
    );
    expect(rejected.body.total).toBe(1_005);
    expect(rejected.body.items.map((i) => i.line)).toEqual([1_002, 1_003, 1_004, 1_005, 1_006]);
    const warnings = await server.call<{ items: unknown[] }>(
      'GET',
      `/api/v1/imports/${importId}/issues?kind=warning`,
    );
    expect(warnings.body.items).toEqual([
      expect.objectContaining({ line: 1_007, kind: 'warning', column: 'timezone', value: 'Mars/Olympus' }),
    ]);

    const csv = await fetch(`${server.url}/api/v1/imports/${importId}/rejects.csv`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 1_005);
    expect(lines[0]).toBe('rejected_line,rejected_reason,phone,name,timezone');
    expect(lines[1]).toMatch(/^2,.*,120,Bad 0,$/);
    expect(lines.at(-1)).toMatch(/^1006,.*,121004,Bad 1004,$/);

    const listed = await server.call<{ items: Array<{ id: number }> }>(
      'GET',
      '/api/v1/imports?kind=contacts',
    );
    expect(listed.body.items[0]?.id).toBe(importId);
    expect((await server.call('DELETE', `/api/v1/imports/${importId}`)).status).toBe(204);
    expect((await server.call<ErrorAnswer>('GET', `/api/v1/imports/${importId}`)).body.error.code).toBe(
      'import_not_found',
    );
    expect((await server.call('GET', `/api/v1/imports/${importId}/rejects.csv`)).status).toBe(404);
  });

  it('streams a body sent in chunks without a length, and refuses one without a phone column', async () => {
    const chunks = ['phone,name\n', '79995000001,Chunked\n', '79995000002,Too\n'];
    const response = await fetch(`${server.url}/api/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'text/csv' },
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ rows: 2, inserted: 2 });

    const noPhone = await server.call<ErrorAnswer>('POST', '/api/v1/contacts/import', {
      body: 'name\nNobody\n',
      contentType: 'text/csv',
    });
    expect(noPhone.status).toBe(400);
    expect(noPhone.body.error.code).toBe('csv_missing_column');
  });

  it('asks for text/csv when the body is JSON', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/contacts/import', {
      json: { phone: '79990000000' },
    });
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
  });
});
