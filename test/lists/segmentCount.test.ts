import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSegment } from '../../src/lists/segmentCount.js';
import { SegmentFilterError } from '../../src/lists/segmentFilter.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedContacts } from '../support/engineHarness.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
let db: TestDatabase;
let listId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  // 60 contacts with discount 10 + i % 20; every 10th opted out, every 4th without consent.
  await seedContacts(db.sql, { count: 60, list: 'vip', optedOutEvery: 10, noConsentEvery: 4 });
  await db.sql`insert into contacts (phone, name) values ('79990000001', 'Not in the list')`;
  const [list] = await db.sql<{ id: number }[]>`select id from lists where name = 'vip'`;
  listId = list!.id;
});
afterAll(async () => {
  await db?.drop();
});

describe('countSegment', () => {
  it('counts the list, the members the filter selects, and those of them who opted in', async () => {
    // discount >= 25: i % 20 >= 15, i.e. i = 15..19, 35..39, 55..59: 15 contacts.
    const count = await countSegment(db.sql, { listId, where: 'discount >= 25', now: NOW });
    // Of 15..19, 35..39, 55..59: opted out 15? no (every 10th: none of them); no consent: 16, 36, 56.
    expect(count).toEqual({ members: 60, matching: 15, optedIn: 12 });
  });

  it('counts every contact without a list, and every member without a filter', async () => {
    expect(await countSegment(db.sql, { listId: null, where: null, now: NOW })).toMatchObject({
      members: 61,
      matching: 61,
    });
    expect(await countSegment(db.sql, { listId, where: '  ', now: NOW })).toMatchObject({
      members: 60,
      matching: 60,
    });
  });

  it('refuses a filter it cannot read, naming the column, before any query', async () => {
    await expect(countSegment(db.sql, { listId, where: 'discount >= ', now: NOW })).rejects.toBeInstanceOf(
      SegmentFilterError,
    );
  });
});
