import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTACT_REPEAT_RULE, importContactsCsv } from '../../src/contacts/importContacts.js';
import { MAX_REPORTED_ISSUES } from '../../src/contacts/importReport.js';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import { optOutContact } from '../../src/delivery/optOut.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { deliveryRow, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

const NOW = new Date('2026-11-27T07:00:00Z');
const LATER = new Date('2026-11-28T07:00:00Z');
const fixture = (name: string) => createReadStream(new URL(`../fixtures/csv/${name}`, import.meta.url));
const csv = (text: string) => Readable.from([Buffer.from(text)]);

interface StoredContact {
  phone: string;
  name: string | null;
  timezone: string | null;
  attributes: Record<string, string>;
  opted_in_at: Date | null;
  opt_in_source: string | null;
  opted_out_at: Date | null;
}

describe('importContactsCsv', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate contacts, lists, campaigns cascade`;
  });

  const contacts = () =>
    db.sql<StoredContact[]>`
      select phone, name, timezone, attributes, opted_in_at, opt_in_source, opted_out_at
      from contacts order by phone`;
  const contact = async (phone: string) => (await contacts()).find((c) => c.phone === phone);

  it('stores every column of the fixed format: normalised phones, consent, attributes without empty cells', async () => {
    const report = await importContactsCsv(db.sql, fixture('contacts.csv'), { now: NOW, phoneRegion: 'RU' });

    expect(report).toEqual({
      importId: expect.any(Number),
      rows: 4,
      inserted: 4,
      updated: 0,
      rejected: 0,
      warned: 0,
      repeated: 0,
      repeatRule: CONTACT_REPEAT_RULE,
      consentWithdrawn: 0,
      errors: [],
      errorsTruncated: false,
      warnings: [],
      warningsTruncated: false,
      repeats: [],
      repeatsTruncated: false,
    });
    expect(await contacts()).toEqual([
      {
        phone: '442079460958',
        name: "Mary O'Neil",
        timezone: 'Europe/London',
        attributes: { tier: 'platinum "plus"', City: 'London' },
        opted_in_at: NOW,
        opt_in_source: 'shop',
        opted_out_at: null,
      },
      {
        phone: '79990001101',
        name: 'Anna Petrova',
        timezone: 'Europe/Moscow',
        attributes: { tier: 'gold', City: 'Moscow' },
        opted_in_at: NOW,
        opt_in_source: 'website',
        opted_out_at: null,
      },
      {
        phone: '79990001102',
        name: 'Борис',
        timezone: null,
        attributes: { City: 'Kazan' },
        opted_in_at: new Date('2026-11-01T06:30:00Z'),
        opt_in_source: 'csv_import',
        opted_out_at: null,
      },
      {
        phone: '79990001103',
        name: 'Ivanov, Ivan',
        timezone: 'Asia/Almaty',
        attributes: { tier: 'silver' },
        opted_in_at: null,
        opt_in_source: null,
        opted_out_at: null,
      },
    ]);
  });

  it('updates on re-import: given cells win, empty cells keep what is stored, attributes merge', async () => {
    await importContactsCsv(
      db.sql,
      csv('phone,name,timezone,tier,city\n79990001101,Anna,Europe/Moscow,gold,Moscow\n'),
      {
        now: NOW,
        phoneRegion: 'RU',
      },
    );

    const report = await importContactsCsv(
      db.sql,
      csv('phone,name,timezone,tier,vip\n+7 999 000 11 01,Anna P.,,silver,yes\n79990001199,New,,,\n'),
      { now: LATER, phoneRegion: 'RU' },
    );

    expect(report).toMatchObject({ rows: 2, inserted: 1, updated: 1, rejected: 0 });
    expect(await contact('79990001101')).toMatchObject({
      name: 'Anna P.',
      timezone: 'Europe/Moscow',
      attributes: { tier: 'silver', city: 'Moscow', vip: 'yes' },
    });
    const [stamps] = await db.sql`select created_at, updated_at from contacts where phone = '79990001101'`;
    expect(stamps).toEqual({ created_at: NOW, updated_at: LATER });
  });

  it('keeps the first recorded consent when a later file gives consent again', async () => {
    await importContactsCsv(db.sql, csv('phone,opted_in,opt_in_source\n79990001101,yes,website\n'), {
      now: NOW,
      phoneRegion: 'RU',
    });
    await importContactsCsv(db.sql, csv('phone,opted_in,opt_in_source\n79990001101,true,shop\n'), {
      now: LATER,
      phoneRegion: 'RU',
    });

    expect(await contact('79990001101')).toMatchObject({ opted_in_at: NOW, opt_in_source: 'website' });
  });

  it('never lifts an opt-out, whatever the file says', async () => {
    await importContactsCsv(db.sql, csv('phone\n79990001101\n'), { now: NOW, phoneRegion: 'RU' });
    await optOutContact(db.sql, { phone: '79990001101' }, { reason: 'stop_reply', now: NOW });

    const report = await importContactsCsv(
      db.sql,
      csv('phone,name,opted_in,opt_in_source\n79990001101,Anna,2026-11-01T10:00:00Z,website\n'),
      { now: LATER, phoneRegion: 'RU' },
    );

    expect(report).toMatchObject({ updated: 1, rejected: 0 });
    expect(await contact('79990001101')).toMatchObject({
      name: 'Anna',
      opted_in_at: null,
      opt_in_source: null,
      opted_out_at: NOW,
    });
  });

  it('withdraws a recorded consent on an explicit no, kept with its source, and skips pending broadcasts at once', async () => {
    await importContactsCsv(
      db.sql,
      csv('phone,opted_in\n79990001101,true\n79990001104,true\n79990001105,true\n'),
      {
        now: NOW,
        phoneRegion: 'RU',
      },
    );
    const marketing = await seedRunningCampaign(db.sql);
    const [reminders] = await db.sql<{ id: number }[]>`
      insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, purpose)
      values ('reminders', 'reminder', 'running', 'sms', 1, '{}', 'Hi', 'transactional') returning id`;
    const [reminderRun] = await db.sql<{ id: number }[]>`
      insert into campaign_runs (campaign_id, scheduled_for) values (${reminders!.id}, ${NOW}) returning id`;
    const [withdrawing] = await db.sql<{ id: number }[]>`select id from contacts where phone = '79990001101'`;
    const broadcast = await seedDelivery(db.sql, marketing, { contactId: withdrawing!.id, state: 'waiting' });
    const reminder = await seedDelivery(
      db.sql,
      { campaignId: reminders!.id, runId: reminderRun!.id },
      { contactId: withdrawing!.id },
    );

    const report = await importContactsCsv(
      db.sql,
      csv(
        'phone,opted_in,opt_in_source\n79990001101,нет,звонок в офис\n79990001102,no,\n79990001103,0,\n' +
          '79990001104,,\n79990001105,false,\n',
      ),
      { now: LATER, phoneRegion: 'RU', source: 'optout.csv' },
    );

    expect(report.consentWithdrawn).toBe(2);
    expect((await contacts()).map((c) => [c.phone, c.opted_in_at, c.opt_in_source, c.opted_out_at])).toEqual([
      ['79990001101', null, null, null],
      ['79990001102', null, null, null],
      ['79990001103', null, null, null],
      ['79990001104', NOW, 'csv_import', null],
      ['79990001105', null, null, null],
    ]);
    const withdrawals = await db.sql`
      select phone, consent_withdrawn_at as at, consent_withdrawn_source as source,
             consent_withdrawn_import_id as "importId"
      from contacts where consent_withdrawn_at is not null order by phone`;
    expect(withdrawals).toEqual([
      { phone: '79990001101', at: LATER, source: 'звонок в офис', importId: report.importId },
      { phone: '79990001105', at: LATER, source: 'csv_import', importId: report.importId },
    ]);
    expect(await deliveryRow(db.sql, broadcast)).toEqual({ state: 'skipped', reason: 'no_consent' });
    expect((await deliveryRow(db.sql, reminder)).state).toBe('queued');
    const [record] = await db.sql`select consent_withdrawn from imports where id = ${report.importId}`;
    expect(record?.consent_withdrawn).toBe(2);
  });

  it('applies consent rows of one phone in file order: a later no withdraws, a later yes grants again', async () => {
    await importContactsCsv(db.sql, csv('phone,opted_in\n79990001101,true\n'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    const report = await importContactsCsv(
      db.sql,
      csv('phone,opted_in\n79990001101,да\n79990001101,нет\n79990001102,нет\n79990001102,да\n'),
      { now: LATER, phoneRegion: 'RU' },
    );

    expect(report.consentWithdrawn).toBe(1);
    expect((await contacts()).map((c) => [c.phone, c.opted_in_at])).toEqual([
      ['79990001101', null],
      ['79990001102', LATER],
    ]);
  });

  it('rejects rows with a bad phone or broken shape; a bad zone or consent is left out with a warning', async () => {
    const report = await importContactsCsv(db.sql, fixture('contacts-bad-rows.csv'), {
      now: NOW,
      phoneRegion: 'RU',
      defaultTimezone: 'Europe/Moscow',
    });

    expect(report).toMatchObject({ rows: 11, inserted: 6, updated: 0, rejected: 5, warned: 3, repeated: 0 });
    expect(report.errors).toEqual([
      {
        line: 3,
        column: 'phone',
        value: '12345',
        reason: 'not a phone number: as a number of Russia (+7) it has too few digits (+7 12345)',
      },
      {
        line: 4,
        column: 'phone',
        value: '+7 999 OOO 20 03',
        reason: 'a phone may hold only digits, spaces, dashes, dots, brackets and a leading +',
      },
      {
        line: 8,
        column: 'phone',
        value: '030 1234567',
        reason: 'not a phone number: as a number of Russia (+7) it is +7 0301234567, which is not in use',
      },
      { line: 11, reason: 'the row has 5 cells but the header has 4' },
      { line: 12, reason: 'the row has 1 cells but the header has 4' },
    ]);
    expect(report.warnings).toEqual([
      {
        line: 5,
        column: 'timezone',
        value: 'Mars/Olympus',
        reason:
          'not a time zone: expected an IANA name such as Europe/Moscow, MSK/МСК+N, a city or UTC+3: the cell was left out',
      },
      {
        line: 7,
        column: 'opted_in',
        value: 'maybe',
        reason: 'expected да/нет, yes/no, true/false, 1/0 or the date consent was given: no consent recorded',
      },
      {
        line: 9,
        column: 'opted_in',
        value: '2030-01-01T00:00:00Z',
        reason: 'the consent time is in the future: no consent recorded',
      },
    ]);
    expect((await contacts()).map((c) => [c.phone, c.name, c.timezone, c.opted_in_at])).toEqual([
      ['79990002001', 'Good One', 'Europe/Moscow', NOW],
      ['79990002004', 'Bad Zone', null, null],
      // A consent time without an offset is read in DEFAULT_TIMEZONE (the row names no zone).
      ['79990002005', 'Naive Time', null, new Date('2026-11-01T06:30:00Z')],
      // +03:00 is a zone of its own: three hours ahead of UTC, all year.
      ['79990002006', 'Two Problems', 'Etc/GMT-3', null],
      ['79990002008', 'Future Consent', null, null],
      ['79990002009', 'Good Two', null, null],
    ]);
  });

  it('imports the rows around broken quoting and reports the broken lines', async () => {
    const report = await importContactsCsv(db.sql, fixture('contacts-broken-quotes.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({ rows: 8, inserted: 5, rejected: 3 });
    expect(report.errors.map((e) => [e.line, e.value])).toEqual([
      [3, '79990003002,"Unclosed,open quote'],
      [6, '79990003005,Eps"ilon,stray quote'],
      [7, '79990003006,"Zeta"x,text after quote'],
    ]);
    expect((await contacts()).map((c) => [c.phone, c.name, c.attributes])).toEqual([
      ['79990003001', 'Alpha', { note: 'fine, with a comma' }],
      ['79990003003', 'Gamma', { note: 'plain' }],
      ['79990003004', 'Delta', { note: 'quoted' }],
      ['79990003007', 'Eta', { note: 'two\nline note' }],
      ['79990003008', 'Theta', { note: 'last' }],
    ]);
  });

  it('rejects the lines of a Windows-1251 file that are not UTF-8 rather than storing mojibake', async () => {
    const report = await importContactsCsv(db.sql, fixture('contacts-windows-1251.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({ rows: 3, inserted: 2, rejected: 1 });
    expect(report.errors).toEqual([{ line: 3, reason: expect.stringContaining('not valid UTF-8') }]);
    expect((await contacts()).map((c) => [c.phone, c.name, c.attributes])).toEqual([
      ['79990004001', 'Anna', { city: 'Moscow' }],
      ['79990004003', 'Carl', { city: 'Kazan' }],
    ]);
  });

  it('reads a file with a BOM, CRLF line endings and a multi-line cell', async () => {
    const report = await importContactsCsv(db.sql, fixture('contacts-bom-crlf.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({ rows: 3, inserted: 3, rejected: 0 });
    expect((await contacts()).map((c) => [c.phone, c.name, c.attributes.note])).toEqual([
      ['79990005001', 'Anna', 'plain'],
      ['79990005002', 'Boris', 'first\r\nsecond'],
      ['79990005003', 'Carl', 'after'],
    ]);
  });

  it('reads a semicolon-separated file with header names in any case and spacing', async () => {
    const report = await importContactsCsv(db.sql, fixture('contacts-semicolon.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({ rows: 2, inserted: 2, rejected: 0 });
    expect((await contacts()).map((c) => [c.phone, c.name, c.opted_in_at, c.attributes])).toEqual([
      ['79990006001', 'Anna', NOW, { Discount: '10,5' }],
      ['79990006002', 'Boris; Jr', null, {}],
    ]);
  });

  it('stores 99 attribute columns of a 100-column file', async () => {
    const report = await importContactsCsv(db.sql, fixture('contacts-100-columns.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({ rows: 3, inserted: 3 });
    const stored = await contact('79990009002');
    expect(Object.keys(stored!.attributes)).toHaveLength(99);
    expect(stored!.attributes).toMatchObject({ attr01: 'v2-01', attr99: 'v2-99' });
  });

  it('leaves out a 1 MB attribute cell with a warning, keeping the contact; a 1 MB phone rejects its row', async () => {
    const report = await importContactsCsv(
      db.sql,
      csv(
        `phone,name,bio\n79990001101,Anna,"${'z'.repeat(1_000_000)}"\n79990001102,Boris,short\n` +
          `"${'7'.repeat(20_000)}",Huge phone,x\n`,
      ),
      { now: NOW, phoneRegion: 'RU' },
    );

    expect(report).toMatchObject({ rows: 3, inserted: 2, rejected: 1, warned: 1 });
    expect(report.warnings).toEqual([
      {
        line: 2,
        column: 'bio',
        value: `${'z'.repeat(99)}…`,
        reason: 'the cell has 1000000 characters; at most 10000 are allowed: the cell was left out',
      },
    ]);
    expect(report.errors).toEqual([
      {
        line: 4,
        column: 'phone',
        value: `${'7'.repeat(99)}…`,
        reason: 'the cell has 20000 characters; at most 10000 are allowed',
      },
    ]);
    expect((await contacts()).map((c) => [c.phone, c.attributes])).toEqual([
      ['79990001101', {}],
      ['79990001102', { bio: 'short' }],
    ]);
  });

  it('refuses a file without a phone column, naming it, and imports nothing', async () => {
    const error = await importContactsCsv(db.sql, fixture('contacts-no-phone.csv'), {
      now: NOW,
      phoneRegion: 'RU',
      list: 'vip',
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CsvImportError);
    expect(error).toMatchObject({
      code: 'csv_missing_column',
      line: 1,
      column: 'phone',
      message: 'line 1: the header has no phone column (it has columns name, mobile, timezone)',
    });
    expect(await contacts()).toEqual([]);
    expect(await db.sql`select name from lists`).toEqual([]);
  });

  it('refuses an empty file, a UTF-16 file and a header naming a column twice', async () => {
    const failure = (input: Readable) =>
      importContactsCsv(db.sql, input, { now: NOW, phoneRegion: 'RU' }).catch((e: CsvImportError) => e.code);

    expect(await failure(fixture('empty.csv'))).toBe('csv_empty');
    expect(await failure(fixture('contacts-utf16.csv'))).toBe('csv_encoding');
    expect(await failure(csv('phone,Name,NAME\n79990001101,a,b\n'))).toBe('csv_duplicate_column');
    expect(await contacts()).toEqual([]);
  });

  it('reads Russian and English header aliases, naming problems by the column as the file spells it', async () => {
    const report = await importContactsCsv(
      db.sql,
      csv(
        ' Телефон ,ИМЯ,Часовой пояс,Согласие,Источник согласия,Город\n' +
          '+7 901 000-00-01,Анна,Europe/Moscow,да,форма,Казань\n' +
          'нет телефона,Борис,,,,\n',
      ),
      { now: NOW, phoneRegion: 'RU' },
    );

    expect(report).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(report.errors[0]).toMatchObject({ line: 3, column: 'Телефон' });
    expect(await contact('79010000001')).toMatchObject({
      name: 'Анна',
      timezone: 'Europe/Moscow',
      opted_in_at: NOW,
      opt_in_source: 'форма',
      attributes: { Город: 'Казань' },
    });
  });

  it('refuses a header giving one column under two names, naming both, importing nothing', async () => {
    const error = await importContactsCsv(db.sql, csv('phone,Телефон\n79990001101,79990001102\n'), {
      now: NOW,
      phoneRegion: 'RU',
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CsvImportError);
    expect(error).toMatchObject({
      code: 'csv_duplicate_column',
      message: 'line 1: the columns "phone" and "Телефон" are both the phone column: keep one of them',
    });
    expect(await contacts()).toEqual([]);
  });

  it('reports nothing for a header-only file', async () => {
    const report = await importContactsCsv(db.sql, fixture('header-only.csv'), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({
      rows: 0,
      inserted: 0,
      updated: 0,
      rejected: 0,
      warned: 0,
      repeated: 0,
      errors: [],
      warnings: [],
      repeats: [],
    });
  });

  it('applies a phone repeated in the file in order, within a batch and across batches', async () => {
    const text = [
      'phone,name,timezone,opted_in,tier,city',
      '79990001101,Anna,Europe/Moscow,,gold,Moscow',
      '+7 999 000-11-01,Anna B.,,2026-11-01T00:00:00Z,,Kazan',
      '79990001102,Boris,,,,',
      '8 999 000 11 01,,Asia/Almaty,yes,silver,',
      '79990001102,Boris B.,,,,',
    ].join('\n');

    for (const batchSize of [1000, 2]) {
      await db.sql`truncate contacts cascade`;
      const report = await importContactsCsv(db.sql, csv(text), { now: NOW, phoneRegion: 'RU', batchSize });

      expect(report).toMatchObject({ rows: 5, inserted: 2, updated: 3, rejected: 0, repeated: 3 });
      // The same repeats whether both rows were in one batch or the earlier one was written before.
      expect(report.repeats).toEqual([
        { line: 3, key: '79990001101', earlierLine: 2 },
        { line: 5, key: '79990001101', earlierLine: 3 },
        { line: 6, key: '79990001102', earlierLine: 4 },
      ]);
      const issues = await db.sql`
        select line, kind, column_name, value, reason from import_issues
        where import_id = ${report.importId} order by line`;
      expect(issues).toEqual([
        {
          line: 3,
          kind: 'repeated',
          column_name: 'phone',
          value: '79990001101',
          reason: `repeats line 2: ${CONTACT_REPEAT_RULE}`,
        },
        {
          line: 5,
          kind: 'repeated',
          column_name: 'phone',
          value: '79990001101',
          reason: `repeats line 3: ${CONTACT_REPEAT_RULE}`,
        },
        {
          line: 6,
          kind: 'repeated',
          column_name: 'phone',
          value: '79990001102',
          reason: `repeats line 4: ${CONTACT_REPEAT_RULE}`,
        },
      ]);
      expect(await contacts()).toMatchObject([
        {
          phone: '79990001101',
          name: 'Anna B.',
          timezone: 'Asia/Almaty',
          opted_in_at: new Date('2026-11-01T00:00:00Z'),
          attributes: { tier: 'silver', city: 'Kazan' },
        },
        { phone: '79990001102', name: 'Boris B.' },
      ]);
    }
  });

  it('adds every imported contact to the list, creating it when missing', async () => {
    await db.sql`insert into contacts (phone) values ('79990001199')`;
    const first = await importContactsCsv(db.sql, csv('phone\n79990001101\n79990001199\nbad\n'), {
      now: NOW,
      phoneRegion: 'RU',
      list: 'vip',
    });
    const again = await importContactsCsv(db.sql, csv('phone\n79990001101\n79990001102\n'), {
      now: LATER,
      phoneRegion: 'RU',
      list: ' vip ',
      batchSize: 1,
    });

    expect(first).toMatchObject({ inserted: 1, updated: 1, rejected: 1 });
    expect(again).toMatchObject({ inserted: 1, updated: 1 });
    const members = await db.sql`
      select l.name, c.phone, m.added_at from list_members m
      join lists l on l.id = m.list_id join contacts c on c.id = m.contact_id
      order by c.phone`;
    expect(members).toEqual([
      { name: 'vip', phone: '79990001101', added_at: NOW },
      { name: 'vip', phone: '79990001102', added_at: LATER },
      { name: 'vip', phone: '79990001199', added_at: NOW },
    ]);
  });

  it('writes each batch with one statement, never one per row', async () => {
    const statements: string[] = [];
    const sql = postgres(db.url, {
      max: 1,
      onnotice: () => {},
      // Only the import's own statements: no type lookup when the connection opens.
      fetch_types: false,
      debug: (_connection, query) => statements.push(query),
    });
    try {
      const rows = Array.from({ length: 10 }, (_, i) => `7999000${String(i).padStart(4, '0')}`);
      const report = await importContactsCsv(sql, csv(`phone\n${rows.join('\n')}\n`), {
        now: NOW,
        phoneRegion: 'RU',
        list: 'vip',
        batchSize: 4,
      });

      expect(report).toMatchObject({ rows: 10, inserted: 10 });
      expect(statements.filter((q) => /insert into contacts/.test(q))).toHaveLength(3);
      expect(statements.filter((q) => /insert into lists/.test(q))).toHaveLength(1);
      // The import's record: started, its header, the first batch's counts (clean batches record
      // progress only every tenth), finished.
      expect(statements.filter((q) => /insert into import_issues/.test(q))).toHaveLength(1);
      expect(statements).toHaveLength(4 + 3 + 1);
    } finally {
      await sql.end({ timeout: 5 });
    }
    expect(await db.sql`select count(*)::int as n from list_members`).toEqual([{ n: 10 }]);
  });

  it('stops at a batch the database refuses, keeping the batches written before it', async () => {
    await db.sql.unsafe(`
      create function refuse_phone() returns trigger language plpgsql as $$
      begin
        if new.phone = '79990001104' then raise exception 'refused by the test'; end if;
        return new;
      end $$;
      create trigger refuse_phone before insert on contacts for each row execute function refuse_phone()`);
    try {
      const text = `phone\n${Array.from({ length: 6 }, (_, i) => `7999000110${i + 1}`).join('\n')}\n`;

      const error = await importContactsCsv(db.sql, csv(text), {
        now: NOW,
        phoneRegion: 'RU',
        batchSize: 2,
      }).catch((e: Error) => e);

      expect(error).toMatchObject({ message: 'refused by the test' });
      expect((await contacts()).map((c) => c.phone)).toEqual(['79990001101', '79990001102']);
    } finally {
      await db.sql.unsafe('drop trigger refuse_phone on contacts; drop function refuse_phone()');
    }
  });

  it('reports progress after every batch with the rows and bytes read', async () => {
    const text = `phone\n${Array.from({ length: 5 }, (_, i) => `7999000110${i}`).join('\n')}\n`;
    const progress: Array<{ rows: number; bytes: number }> = [];

    await importContactsCsv(db.sql, csv(text), {
      now: NOW,
      phoneRegion: 'RU',
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });

    const bytes = Buffer.byteLength(text);
    expect(progress).toEqual([
      { rows: 2, bytes },
      { rows: 4, bytes },
      { rows: 5, bytes },
    ]);
  });

  it(`keeps the first ${MAX_REPORTED_ISSUES} errors of a file full of bad rows and counts them all`, async () => {
    const bad = Array.from({ length: MAX_REPORTED_ISSUES + 5 }, (_, i) => `bad-${i}`);

    const report = await importContactsCsv(db.sql, csv(`phone\n79990001101\n${bad.join('\n')}\n`), {
      now: NOW,
      phoneRegion: 'RU',
    });

    expect(report).toMatchObject({
      rows: bad.length + 1,
      inserted: 1,
      rejected: bad.length,
      errorsTruncated: true,
    });
    expect(report.errors).toHaveLength(MAX_REPORTED_ISSUES);
    expect(report.errors.at(-1)).toMatchObject({
      line: MAX_REPORTED_ISSUES + 2,
      value: `bad-${MAX_REPORTED_ISSUES - 1}`,
    });
  });
});
