import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TimeZoneWarningInput, timeZoneWarning } from '../../src/campaigns/timeZoneWarning.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T07:00:00Z');
let db: TestDatabase;
let listId: number;

/** The list "shop": two contacts without a zone (one blank), one in Moscow; one zoneless outsider. */
beforeAll(async () => {
  db = await createTestDatabase();
  const [list] = await db.sql<{ id: number }[]>`insert into lists (name) values ('shop') returning id`;
  listId = list!.id;
  await db.sql`
    insert into contacts (phone, name, timezone, attributes) values
      ('79004000001', 'A', null, '{"city": "Kazan"}'), ('79004000002', 'B', ' ', '{"city": "Omsk"}'),
      ('79004000003', 'C', 'Europe/Moscow', '{"city": "Kazan"}'), ('79004000004', 'D', null, '{}')`;
  await db.sql`
    insert into list_members (list_id, contact_id) select ${listId}, id from contacts where phone <> '79004000004'`;
  await db.sql`
    insert into appointments (external_id, contact_id, starts_at, timezone, status)
    select 'a-' || phone, id, '2026-12-01T10:00:00Z',
           case when phone = '79004000002' then 'Asia/Omsk' end, 'booked'
    from contacts`;
});
afterAll(async () => {
  await db?.drop();
});

const input = (over: Partial<TimeZoneWarningInput> = {}): TimeZoneWarningInput => ({
  kind: 'broadcast',
  listId,
  where: null,
  hasSendWindow: true,
  campaignTimezone: null,
  defaultTimezone: 'UTC',
  now: NOW,
  ...over,
});

describe('timeZoneWarning', () => {
  it("counts the audience's recipients without a zone, and names the zone their window is read in", async () => {
    expect(await timeZoneWarning(db.sql, input())).toBe(
      '2 recipients have no time zone: their window is evaluated in UTC (the campaign has no timezone)',
    );
    expect(
      await timeZoneWarning(db.sql, input({ campaignTimezone: 'Europe/Moscow', where: 'city = "Kazan"' })),
    ).toBe(
      "1 recipient has no time zone: their window is evaluated in Europe/Moscow (the campaign's timezone)",
    );
  });

  it('says nothing without a send window, or when every recipient has a zone', async () => {
    expect(await timeZoneWarning(db.sql, input({ hasSendWindow: false }))).toBeNull();
    expect(await timeZoneWarning(db.sql, input({ where: 'city = "Nowhere"' }))).toBeNull();
  });

  it("takes a reminder's appointment zone for a contact without one", async () => {
    expect(await timeZoneWarning(db.sql, input({ kind: 'reminder', listId: null }))).toBe(
      '2 recipients have no time zone: their window is evaluated in UTC (the campaign has no timezone)',
    );
  });
});
