import { beforeAll, describe, expect, it } from 'vitest';
import { useApiServerOnTestDatabase } from '../apiServer.js';

const { db, server } = useApiServerOnTestDatabase();
const contactIds: number[] = [];

beforeAll(async () => {
  for (const phone of ['79996000001', '79996000002', '79996000003']) {
    const answer = await server.call<{ id: number }>('POST', '/api/v1/contacts', {
      json: { phone, optIn: { source: 'test' } },
    });
    contactIds.push(answer.body.id);
  }
});

interface List {
  id: number;
  name: string;
  description: string | null;
  memberCount: number;
}
interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> };
}

async function createList(name: string): Promise<List> {
  const answer = await server.call<List>('POST', '/api/v1/lists', { json: { name } });
  expect(answer.status).toBe(201);
  return answer.body;
}

describe('lists', () => {
  it('creates a list, reads it and lists it', async () => {
    const created = await server.call<List>('POST', '/api/v1/lists', {
      json: { name: 'vip', description: 'best clients' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/lists/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'vip', description: 'best clients', memberCount: 0 });
    const read = await server.call<List>('GET', `/api/v1/lists/${created.body.id}`);
    expect(read.body).toEqual(created.body);
    const all = await server.call<{ items: List[]; total: number }>('GET', '/api/v1/lists');
    expect(all.body.items.map((l) => l.name)).toContain('vip');
  });

  it('refuses a name already taken with 409 list_exists, and a blank name with 400', async () => {
    const first = await createList('taken');
    const again = await server.call<ErrorAnswer>('POST', '/api/v1/lists', { json: { name: 'taken' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'list_exists', details: { listId: first.id } });
    const blank = await server.call<ErrorAnswer>('POST', '/api/v1/lists', { json: { name: '   ' } });
    expect(blank.status).toBe(400);
  });

  it('adds members by id and by phone, reporting unknown and malformed entries without blocking the rest', async () => {
    const list = await createList('members');
    const answer = await server.call('POST', `/api/v1/lists/${list.id}/members`, {
      json: { contactIds: [contactIds[0], 987654], phones: ['+7 999 600-00-02', '79990000000', 'nope'] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      added: 2,
      alreadyMembers: 0,
      unknownContactIds: [987654],
      unknownPhones: ['79990000000'],
      invalidPhones: [{ value: 'nope', reason: expect.any(String) }],
    });
    const again = await server.call('POST', `/api/v1/lists/${list.id}/members`, {
      json: { contactIds: [contactIds[0], contactIds[2]] },
    });
    expect(again.body).toMatchObject({ added: 1, alreadyMembers: 1 });

    const members = await server.call<{
      items: Array<{ contactId: number; phone: string; consent: string }>;
      total: number;
    }>('GET', `/api/v1/lists/${list.id}/members?limit=2`);
    expect(members.body.total).toBe(3);
    expect(members.body.items).toEqual([
      expect.objectContaining({ contactId: contactIds[0], phone: '79996000001', consent: 'opted_in' }),
      expect.objectContaining({ contactId: contactIds[1], phone: '79996000002' }),
    ]);
    const shown = await server.call<List>('GET', `/api/v1/lists/${list.id}`);
    expect(shown.body.memberCount).toBe(3);
  });

  it('removes a member, and answers 404 for one that is not in the list', async () => {
    const list = await createList('removal');
    await server.call('POST', `/api/v1/lists/${list.id}/members`, { json: { contactIds: [contactIds[0]] } });
    const removed = await server.call('DELETE', `/api/v1/lists/${list.id}/members/${contactIds[0]}`);
    expect(removed.status).toBe(204);
    const again = await server.call<ErrorAnswer>(
      'DELETE',
      `/api/v1/lists/${list.id}/members/${contactIds[0]}`,
    );
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('list_member_not_found');
    const [contact] = await db.sql`select count(*)::int as n from contacts where id = ${contactIds[0]!}`;
    expect(contact?.n).toBe(1);
  });

  it('deletes a list but never its contacts, and keeps a list a campaign is addressed to', async () => {
    const list = await createList('disposable');
    await server.call('POST', `/api/v1/lists/${list.id}/members`, { json: { contactIds } });
    expect((await server.call('DELETE', `/api/v1/lists/${list.id}`)).status).toBe(204);
    expect((await server.call('GET', `/api/v1/lists/${list.id}`)).status).toBe(404);
    const [contacts] = await db.sql`select count(*)::int as n from contacts`;
    expect(contacts?.n).toBe(3);

    const audience = await createList('audience');
    const campaign = await server.call<{ id: number }>('POST', '/api/v1/campaigns', {
      json: {
        name: 'Uses the list',
        kind: 'broadcast',
        transport: 'sms',
        template: 'Hi',
        audience: { list: 'audience' },
        schedule: { at: '2026-12-01T10:00:00Z' },
      },
    });
    expect(campaign.status).toBe(201);
    const refused = await server.call<ErrorAnswer>('DELETE', `/api/v1/lists/${audience.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'list_in_use',
      details: { campaignIds: [campaign.body.id] },
    });
  });

  it('answers 404 list_not_found for a list that does not exist', async () => {
    for (const [method, path, json] of [
      ['GET', '/api/v1/lists/5555', undefined],
      ['DELETE', '/api/v1/lists/5555', undefined],
      ['GET', '/api/v1/lists/5555/members', undefined],
      ['POST', '/api/v1/lists/5555/members', { contactIds: [1] }],
      ['DELETE', '/api/v1/lists/5555/members/1', undefined],
    ] as const) {
      const answer = await server.call<ErrorAnswer>(method, path, json ? { json } : {});
      expect({ path: `${method} ${path}`, status: answer.status }).toEqual({
        path: `${method} ${path}`,
        status: 404,
      });
      expect(answer.body.error.code).toBe('list_not_found');
    }
  });

  it('refuses a members request that names nobody', async () => {
    const list = await createList('empty-request');
    const answer = await server.call<ErrorAnswer>('POST', `/api/v1/lists/${list.id}/members`, { json: {} });
    expect(answer.status).toBe(400);
  });
});

describe('GET /segments/count', () => {
  it('counts a list’s members a filter selects, and every contact without a list', async () => {
    const list = await createList('segment-count');
    await server.call('POST', `/api/v1/lists/${list.id}/members`, {
      json: { contactIds: contactIds.slice(0, 2) },
    });
    await db.sql`update contacts set attributes = '{"city": "Kazan"}' where id = ${contactIds[1]!}`;
    const where = encodeURIComponent('city = "Kazan"');
    const counted = await server.call('GET', `/api/v1/segments/count?list=segment-count&where=${where}`);
    expect(counted.status).toBe(200);
    expect(counted.body).toEqual({
      list: 'segment-count',
      where: 'city = "Kazan"',
      members: 2,
      matching: 1,
      optedIn: 1,
    });
    const all = await server.call<{ members: number }>('GET', '/api/v1/segments/count');
    expect(all.body.members).toBeGreaterThanOrEqual(3);
  });

  it('answers 400 with the column for a filter it cannot read, and 404 for a list there is none of', async () => {
    const bad = await server.call<ErrorAnswer>(
      'GET',
      `/api/v1/segments/count?where=${encodeURIComponent('city = ')}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'segment_filter_invalid', details: { column: 8 } });
    const missing = await server.call<ErrorAnswer>('GET', '/api/v1/segments/count?list=nope');
    expect(missing.status).toBe(404);
  });
});
