import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceAttributeKeys } from '../../src/contacts/attributeKeys.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedContacts } from '../support/engineHarness.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedContacts(db.sql, { count: 5, list: 'vip' });
  await db.sql`insert into contacts (phone, attributes) values ('79990000001', '{"Город": "Казань", "tier": "gold"}')`;
});
afterAll(async () => {
  await db?.drop();
});

describe('audienceAttributeKeys', () => {
  it('names the attributes the audience’s contacts have, sorted, each once', async () => {
    const [list] = await db.sql<{ id: number }[]>`select id from lists where name = 'vip'`;
    expect(await audienceAttributeKeys(db.sql, { listId: list!.id, where: null, now: NOW })).toEqual([
      'discount',
      'firstName',
    ]);
    expect(await audienceAttributeKeys(db.sql, { listId: null, where: null, now: NOW })).toEqual([
      'discount',
      'firstName',
      'tier',
      'Город',
    ]);
    expect(await audienceAttributeKeys(db.sql, { listId: null, where: 'tier = "gold"', now: NOW })).toEqual([
      'tier',
      'Город',
    ]);
  });
});
