import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addListMembers,
  createList,
  deleteList,
  getList,
  getListByName,
  ListExistsError,
  ListInUseError,
  ListMemberNotFoundError,
  ListNotFoundError,
  listLists,
  listMembers,
  removeListMember,
} from '../../src/lists/lists.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T07:00:00Z');

let db: TestDatabase;
let contactIds: number[];

beforeAll(async () => {
  db = await createTestDatabase();
  const rows = await db.sql<{ id: number }[]>`
    insert into contacts (phone, opted_in_at, opted_out_at)
    select (79005000000 + i)::text, case when i = 1 then ${NOW}::timestamptz end, case when i = 2 then ${NOW}::timestamptz end
    from generate_series(1, 4) i order by i returning id`;
  contactIds = rows.map((r) => r.id);
});
afterAll(async () => {
  await db?.drop();
});

describe('lists', () => {
  it('creates a list with its name trimmed, and refuses a name already taken', async () => {
    const list = await createList(db, { name: '  vip  ', description: 'best' }, { now: NOW });
    expect(list).toEqual({
      id: expect.any(Number),
      name: 'vip',
      description: 'best',
      memberCount: 0,
      createdAt: NOW,
    });
    expect(await getListByName(db, 'vip')).toEqual(list);
    await expect(createList(db, { name: 'vip' }, { now: NOW })).rejects.toThrow(ListExistsError);
  });

  it('pages lists in creation order with their total', async () => {
    await createList(db, { name: 'page-1' }, { now: NOW });
    await createList(db, { name: 'page-2' }, { now: NOW });
    const all = await listLists(db, { limit: 200, offset: 0 });
    const second = await listLists(db, { limit: 1, offset: 1 });
    expect(second.total).toBe(all.total);
    expect(second.items).toEqual([all.items[1]]);
  });

  it('adds members by id and by phone in one go, reporting the rest', async () => {
    const list = await createList(db, { name: 'members' }, { now: NOW });
    const added = await addListMembers(
      db.sql,
      list.id,
      {
        contactIds: [contactIds[0]!, contactIds[0]!, 424242],
        phones: ['+7 900 500-00-02', '79990000000', 'x'],
      },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(added).toEqual({
      added: 2,
      alreadyMembers: 0,
      unknownContactIds: [424242],
      unknownPhones: ['79990000000'],
      invalidPhones: [{ value: 'x', reason: expect.any(String) }],
    });
    const again = await addListMembers(
      db.sql,
      list.id,
      { contactIds: contactIds.slice(0, 3) },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(again).toMatchObject({ added: 1, alreadyMembers: 2 });

    const members = await listMembers(db, list.id, { limit: 10, offset: 0 });
    expect(members.total).toBe(3);
    expect(members.items.map((m) => [m.phone, m.consent])).toEqual([
      ['79005000001', 'opted_in'],
      ['79005000002', 'opted_out'],
      ['79005000003', 'none'],
    ]);
    expect((await getList(db, list.id))?.memberCount).toBe(3);
  });

  it('removes a member and says when the contact was not one', async () => {
    const list = await createList(db, { name: 'removal' }, { now: NOW });
    await addListMembers(db.sql, list.id, { contactIds: [contactIds[3]!] }, { now: NOW, phoneRegion: 'RU' });
    await removeListMember(db, list.id, contactIds[3]!);
    await expect(removeListMember(db, list.id, contactIds[3]!)).rejects.toThrow(ListMemberNotFoundError);
    await expect(removeListMember(db, 999_999, contactIds[3]!)).rejects.toThrow(ListNotFoundError);
  });

  it('deletes a list with its memberships but not its contacts, unless a campaign names it', async () => {
    const list = await createList(db, { name: 'gone' }, { now: NOW });
    await addListMembers(db.sql, list.id, { contactIds }, { now: NOW, phoneRegion: 'RU' });
    await deleteList(db, list.id);
    expect(await getList(db, list.id)).toBeUndefined();
    const [contacts] = await db.sql`select count(*)::int as n from contacts`;
    expect(contacts?.n).toBe(4);

    const used = await createList(db, { name: 'used' }, { now: NOW });
    const [campaign] = await db.sql`
      insert into campaigns (name, kind, transport, definition, template_source, list_id)
      values ('x', 'broadcast', 'sms', '{}', 'hi', ${used.id}) returning id`;
    await expect(deleteList(db, used.id)).rejects.toMatchObject({
      constructor: ListInUseError,
      details: { campaignIds: [campaign!.id] },
    });
    await expect(deleteList(db, 999_999)).rejects.toThrow(ListNotFoundError);
    await expect(listMembers(db, 999_999, { limit: 1, offset: 0 })).rejects.toThrow(ListNotFoundError);
    await expect(
      addListMembers(db.sql, 999_999, { contactIds: [1] }, { now: NOW, phoneRegion: 'RU' }),
    ).rejects.toThrow(ListNotFoundError);
  });
});
