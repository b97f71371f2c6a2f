import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSegmentFilter } from '../../src/lists/segmentFilter.js';
import { segmentCondition } from '../../src/lists/segmentSql.js';
import { insertCampaign, insertDelivery, insertRun } from '../reports/seedReport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const contacts: Array<
    [string, string | null, string | null, Record<string, unknown>, string | null, string | null]
  > = [
    // phone, name, timezone, attributes, opted_in_at, opted_out_at
    [
      '79160000001',
      'Анна',
      'Europe/Moscow',
      { city: 'Moscow', age: '34', tier: 'gold' },
      '2026-01-10T00:00:00Z',
      null,
    ],
    [
      '79160000002',
      'Boris',
      'Asia/Almaty',
      { city: 'Almaty', age: '28', tier: 'silver' },
      '2026-06-01T00:00:00Z',
      null,
    ],
    ['79250000003', 'Vera', null, { city: 'Moscow', age: 'unknown' }, null, null],
    [
      '79250000004',
      'Gleb',
      'Europe/Moscow',
      { age: '41', 'last purchase': '2026-11-01' },
      '2025-12-01T00:00:00Z',
      '2026-11-01T00:00:00Z',
    ],
    [
      '79250000005',
      null,
      'Europe/Moscow',
      { city: "O'Brien; drop table contacts; --", Город: 'Казань' },
      '2026-02-01T00:00:00Z',
      null,
    ],
  ];
  for (const [phone, name, timezone, attributes, optedIn, optedOut] of contacts) {
    await db.sql`
      insert into contacts (phone, name, timezone, attributes, opted_in_at, opted_out_at)
      values (${phone}, ${name}, ${timezone}, ${db.sql.json(attributes as never)}, ${optedIn}, ${optedOut})`;
  }
  // Anna was written to two days ago; Boris forty days ago.
  const campaign = await insertCampaign(db.sql, { name: 'Past', transport: 'viber' });
  const run = await insertRun(db.sql, campaign, '2026-10-01T00:00:00Z');
  await insertDelivery(db.sql, campaign, run, {
    phone: '79160000001',
    name: 'Анна', // the helper writes the contact's name too
    state: 'sent',
    dueAt: '2026-11-25T07:00:00Z',
    sentAt: '2026-11-25T07:00:00Z',
  });
  await insertDelivery(db.sql, campaign, run, {
    phone: '79160000002',
    name: 'Boris',
    state: 'read',
    dueAt: '2026-10-18T07:00:00Z',
    sentAt: '2026-10-18T07:00:00Z',
  });
});
afterAll(async () => {
  await db?.drop();
});

/** The phones' last digit of the contacts the filter selects. */
async function select(source: string): Promise<number[]> {
  const condition = segmentCondition(db.sql, parseSegmentFilter(source), { alias: 'c', now: NOW });
  const rows = await db.sql<
    { phone: string }[]
  >`select phone from contacts c where ${condition} order by phone`;
  return rows.map((r) => Number(r.phone.slice(-1)));
}

describe('segmentCondition', () => {
  it.each([
    ['city = "Moscow"', [1, 3]],
    ['city != "Moscow"', [2, 4, 5]],
    ['not city = "Moscow"', [2, 4, 5]],
    ['city in ("Moscow", "Almaty")', [1, 2, 3]],
    ['city not in ("Moscow")', [2, 4, 5]],
    ['city is empty', [4]],
    ['city is not empty', [1, 2, 3, 5]],
    ['age >= 30', [1, 4]],
    ['age < 30', [2]],
    ['age = 34', [1]],
    ['age in (28, 41)', [2, 4]],
    ['age = "unknown"', [3]],
    ['name contains "АН"', [1]],
    ['phone startswith "7925"', [3, 4, 5]],
    ['timezone = "Europe/Moscow"', [1, 4, 5]],
    ['timezone is empty', [3]],
    ['consent = opted_in', [1, 2, 5]],
    ['consent = opted_out', [4]],
    ['consent = none', [3]],
    ['opted_in_at < "2026-02-01"', [1, 4]],
    ['opted_in_at is empty', [3]],
    ['`last purchase` >= "2026-10-15"', [4]],
    ['Город = "Казань"', [5]],
    ['city = "O\'Brien; drop table contacts; --"', [5]],
    ['last_contacted within 7d', [1]],
    ['not last_contacted within 30d', [2, 3, 4, 5]],
    ['last_contacted within 60d', [1, 2]],
    ['consent = opted_in and (city = "Moscow" or age < 30) and not last_contacted within 7d', [2]],
  ])('%s selects %j', async (source, expected) => {
    expect(await select(source)).toEqual(expected);
  });

  it('passes every value as a parameter: the text of the query holds none of them', () => {
    const condition = segmentCondition(db.sql, parseSegmentFilter('`x"y` = "a\'b" or name contains "z%"'), {
      alias: 'c',
      now: NOW,
    }) as unknown as { strings: readonly string[] };
    const text = JSON.stringify(condition.strings);
    expect(text).not.toContain("a'b");
    expect(text).not.toContain('x"y');
    expect(text).not.toContain('z%');
  });
});
