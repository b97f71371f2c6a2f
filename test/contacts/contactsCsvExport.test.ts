import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeContactsCsv } from '../../src/contacts/contactsCsvExport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** A sink that keeps what was written and counts the writes (one per cursor batch, plus the header). */
function sink(): { out: Writable; text: () => string; writes: () => number } {
  const chunks: string[] = [];
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      // Slower than the database: the export must wait for drain rather than pile up.
      setImmediate(done);
    },
  });
  return { out, text: () => chunks.join(''), writes: () => chunks.length };
}

describe('writeContactsCsv', () => {
  it('writes the import columns, then every attribute any contact has, with consent as import reads it', async () => {
    await db.sql`
      insert into contacts (phone, name, timezone, attributes, opted_in_at, opt_in_source, opted_out_at, opt_out_reason)
      values ('79010000001', 'Anna', 'Europe/Moscow', '{"city": "Kazan"}', '2026-01-10T09:00:00Z', 'shop', null, null),
             ('79010000002', null, null, '{"tier": 2, "tags": ["a"]}', null, null, null, null),
             ('79010000003', 'Vera, Jr', null, '{}', '2026-01-10T09:00:00Z', 'site', '2026-02-01T00:00:00Z', 'STOP')`;
    const { out, text } = sink();

    const written = await writeContactsCsv(db.sql, out, {});

    expect(written).toBe(3);
    expect(text().split('\r\n')).toEqual([
      'phone,name,timezone,opted_in,opt_in_source,city,tags,tier',
      '+79010000001,Anna,Europe/Moscow,2026-01-10T09:00:00.000Z,shop,Kazan,,',
      '+79010000002,,,,,,"[""a""]",2',
      '+79010000003,"Vera, Jr",,false,,,,',
      '',
    ]);
  });

  it("writes only a list's members, with only their attributes", async () => {
    const [list] = await db.sql<{ id: number }[]>`insert into lists (name) values ('vip') returning id`;
    await db.sql`insert into list_members (list_id, contact_id) select ${list!.id}, id from contacts where phone = '79010000001'`;
    const { out, text } = sink();

    expect(await writeContactsCsv(db.sql, out, { listId: list!.id })).toBe(1);
    expect(text().split('\r\n')[0]).toBe('phone,name,timezone,opted_in,opt_in_source,city');
  });

  it('streams any number of contacts in batches, waiting for a slow reader', async () => {
    await db.sql`
      insert into contacts (phone, attributes)
      select (79020000000 + i)::text, jsonb_build_object('n', i) from generate_series(1, 2500) i`;
    const { out, text, writes } = sink();

    expect(await writeContactsCsv(db.sql, out, {})).toBe(2503);
    expect(text().trimEnd().split('\r\n')).toHaveLength(2504);
    expect(writes()).toBe(1 + 3);
  });
});
