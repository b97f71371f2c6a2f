import { PassThrough, Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignNotFoundForReportError } from '../../src/reports/campaignReport.js';
import { CsvOutputClosedError, writeRecipientsCsv } from '../../src/reports/recipientsCsv.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertCampaign, insertDelivery, insertRun } from './seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Collects everything written, and each write, into memory. */
function collect(): { out: PassThrough; writes: string[]; text: () => string } {
  const out = new PassThrough();
  const writes: string[] = [];
  out.on('data', (chunk: Buffer) => writes.push(chunk.toString('utf8')));
  return { out, writes, text: () => writes.join('') };
}

describe('writeRecipientsCsv', () => {
  it('writes a header and one line per delivery with its times and Chat2Desk message id', async () => {
    const campaign = await insertCampaign(db.sql, { name: 'CSV', transport: 'viber' });
    const run = await insertRun(db.sql, campaign, DUE);
    await insertDelivery(db.sql, campaign, run, {
      phone: '79004440001',
      name: 'Anna',
      state: 'read',
      dueAt: DUE,
      sentAt: '2026-11-27T10:00:01.250Z',
      deliveredAt: '2026-11-27T10:00:05.000Z',
      readAt: '2026-11-27T10:07:00.000Z',
      messageId: '9007199254740993', // beyond a JS number: kept exact
      attempts: 1,
    });
    await insertDelivery(db.sql, campaign, run, {
      phone: '79004440002',
      state: 'skipped',
      reason: 'missing_variable:firstName',
      dueAt: DUE,
      skippedAt: DUE,
    });
    const { out, text } = collect();

    await writeRecipientsCsv(db.sql, campaign, out);

    expect(text().split('\r\n')).toEqual([
      'phone,name,state,reason,due_at,sent_at,delivered_at,read_at,chat2desk_message_id,attempts,timezone,planned_at,text',
      '79004440001,Anna,read,,2026-11-27T10:00:00.000Z,2026-11-27T10:00:01.250Z,2026-11-27T10:00:05.000Z,2026-11-27T10:07:00.000Z,9007199254740993,1,,,',
      '79004440002,,skipped,missing_variable:firstName,2026-11-27T10:00:00.000Z,,,,,0,,,',
      '',
    ]);
  });

  it("gives the sent text, the contact's time zone, and when a waiting row is planned to go", async () => {
    const campaign = await insertCampaign(db.sql, { name: 'Planned', transport: 'whatsapp' });
    const run = await insertRun(db.sql, campaign, DUE);
    const sent = await insertDelivery(db.sql, campaign, run, {
      phone: '79004440021',
      name: 'Vera',
      state: 'sent',
      dueAt: DUE,
      sentAt: '2026-11-27T10:00:02.000Z',
    });
    const waiting = await insertDelivery(db.sql, campaign, run, {
      phone: '79004440022',
      state: 'waiting',
      reason: 'outside_send_window',
      dueAt: DUE,
    });
    await db.sql`update deliveries set rendered_text = ${'Hi Vera,\n20% off'} where id = ${sent}`;
    await db.sql`update deliveries set next_attempt_at = '2026-11-28T06:00:00Z' where id = ${waiting}`;
    await db.sql`update contacts set timezone = 'Asia/Vladivostok' where phone = '79004440022'`;
    const { out, text } = collect();

    await writeRecipientsCsv(db.sql, campaign, out);

    const rows = parse(text(), { columns: true }) as Array<Record<string, string>>;
    expect(
      rows.map(({ phone, state, timezone, planned_at, text }) => ({
        phone,
        state,
        timezone,
        planned_at,
        text,
      })),
    ).toEqual([
      { phone: '79004440021', state: 'sent', timezone: '', planned_at: '', text: 'Hi Vera,\n20% off' },
      {
        phone: '79004440022',
        state: 'waiting',
        timezone: 'Asia/Vladivostok',
        planned_at: '2026-11-28T06:00:00.000Z',
        text: '',
      },
    ]);
  });

  it('writes for Excel on request: a UTF-8 BOM first and `;` between cells, Cyrillic intact', async () => {
    const campaign = await insertCampaign(db.sql, { name: 'Excel', transport: 'viber' });
    const run = await insertRun(db.sql, campaign, DUE);
    await insertDelivery(db.sql, campaign, run, {
      phone: '79004440011',
      name: 'Иванова; Анна',
      state: 'sent',
      dueAt: DUE,
      sentAt: DUE,
    });
    const { out, writes } = collect();

    await writeRecipientsCsv(db.sql, campaign, out, { excel: true });

    const bytes = Buffer.from(writes.join(''), 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes, { columns: true, delimiter: ';', bom: true }) as Array<Record<string, string>>;
    expect(rows).toEqual([
      expect.objectContaining({ phone: '79004440011', name: 'Иванова; Анна', state: 'sent' }),
    ]);
  });

  it('quotes names and reasons so a CSV reader gets them back, and defuses formulas', async () => {
    const names = [
      'Smith, John',
      'She said "hi"',
      'two\nlines',
      '=HYPERLINK("http://evil.example","click")',
      '+1 hack',
      '@SUM(A1)',
      '-2',
    ];
    const campaign = await insertCampaign(db.sql, { name: 'Tricky names', transport: 'viber' });
    const run = await insertRun(db.sql, campaign, DUE);
    for (const [i, name] of names.entries()) {
      await insertDelivery(db.sql, campaign, run, {
        phone: `7900555000${i}`,
        name,
        state: 'failed',
        reason: `chat2desk:=cmd|' /C calc'!A0, "quoted"`,
        dueAt: DUE,
        failedAt: DUE,
      });
    }
    const { out, text } = collect();

    await writeRecipientsCsv(db.sql, campaign, out);

    const rows = parse(text(), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.name)).toEqual([
      'Smith, John',
      'She said "hi"',
      'two\nlines',
      `'=HYPERLINK("http://evil.example","click")`,
      "'+1 hack",
      "'@SUM(A1)",
      "'-2",
    ]);
    expect(new Set(rows.map((r) => r.reason))).toEqual(new Set([`chat2desk:=cmd|' /C calc'!A0, "quoted"`]));
  });

  it('streams thousands of deliveries through a cursor a thousand rows at a time, in delivery order', async () => {
    const campaign = await insertCampaign(db.sql, { name: 'Big', transport: 'sms' });
    const run = await insertRun(db.sql, campaign, DUE);
    await db.sql`insert into contacts (phone) select (79100000000 + i)::text from generate_series(1, 3500) i`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport)
      select ${run}, ${campaign}, id, 'queued', ${DUE}, ${DUE}, 'sms'
      from contacts where phone like '791%' order by phone`;
    const { out, writes, text } = collect();

    await writeRecipientsCsv(db.sql, campaign, out);

    const lines = text().trimEnd().split('\r\n');
    expect(lines).toHaveLength(3501);
    expect(lines[1]!.startsWith('79100000001,')).toBe(true);
    expect(lines[3500]!.startsWith('79100003500,')).toBe(true);
    // The header, then one write per batch the cursor fetched: 1000, 1000, 1000, 500.
    expect(writes.map((w) => w.split('\r\n').length - 1)).toEqual([1, 1000, 1000, 1000, 500]);
  });

  it('waits for a slow reader instead of piling lines up in memory', async () => {
    const campaign = await insertCampaign(db.sql, { name: 'Slow reader', transport: 'sms' });
    const run = await insertRun(db.sql, campaign, DUE);
    await db.sql`insert into contacts (phone) select (79200000000 + i)::text from generate_series(1, 2500) i`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport)
      select ${run}, ${campaign}, id, 'queued', ${DUE}, ${DUE}, 'sms' from contacts where phone like '792%'`;
    let mostQueuedBehind = 0;
    let lines = 0;
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        mostQueuedBehind = Math.max(mostQueuedBehind, slow.writableLength - chunk.length);
        lines += chunk.toString('utf8').split('\r\n').length - 1;
        setTimeout(done, 5);
      },
    });

    await writeRecipientsCsv(db.sql, campaign, slow);

    expect(lines).toBe(2501);
    // Nothing ever queued behind the chunk being written: each write waited for 'drain'.
    expect(mostQueuedBehind).toBe(0);
  });

  it('limits the export to one run when asked', async () => {
    const campaign = await insertCampaign(db.sql, { name: 'Two runs', transport: 'viber' });
    const first = await insertRun(db.sql, campaign, DUE);
    const second = await insertRun(db.sql, campaign, '2026-11-28T10:00:00.000Z');
    await insertDelivery(db.sql, campaign, first, { phone: '79006660001', state: 'queued', dueAt: DUE });
    await insertDelivery(db.sql, campaign, second, {
      phone: '79006660002',
      state: 'queued',
      dueAt: '2026-11-28T10:00:00.000Z',
    });
    const { out, text } = collect();

    await writeRecipientsCsv(db.sql, campaign, out, { runId: second });

    const rows = parse(text(), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.phone)).toEqual(['79006660002']);
  });

  it('throws before writing anything for an unknown campaign', async () => {
    const { out, text } = collect();
    await expect(writeRecipientsCsv(db.sql, 999_999, out)).rejects.toBeInstanceOf(
      CampaignNotFoundForReportError,
    );
    expect(text()).toBe('');
  });

  it('stops, and gives its connection back, when the reader goes away', async () => {
    const campaign = await insertCampaign(db.sql, { name: 'Gone', transport: 'sms' });
    const run = await insertRun(db.sql, campaign, DUE);
    await db.sql`insert into contacts (phone) select (79300000000 + i)::text from generate_series(1, 3000) i`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport)
      select ${run}, ${campaign}, id, 'queued', ${DUE}, ${DUE}, 'sms' from contacts where phone like '793%'`;
    let writes = 0;
    const leaving = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, done) {
        writes++;
        if (writes === 2) leaving.destroy();
        else done();
      },
    });

    await expect(writeRecipientsCsv(db.sql, campaign, leaving)).rejects.toBeInstanceOf(CsvOutputClosedError);

    expect(writes).toBe(2);
    // The cursor was closed: no connection is left in the middle of the export's query.
    const [busy] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'
        and query like '%chat2desk_message_id::text%'`;
    expect(busy!.n).toBe(0);
  });
});
