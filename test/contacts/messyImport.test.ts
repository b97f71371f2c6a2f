import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { previewCampaign } from '../../src/campaigns/preview.js';
import { importContactsCsv } from '../../src/contacts/importContacts.js';
import { rejectedRowsCsv } from '../../src/contacts/importQueries.js';
import type { ImportReport } from '../../src/contacts/importReport.js';
import { campaignReport } from '../../src/reports/campaignReport.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createEngineHarness, type EngineHarness, START } from '../support/engineHarness.js';

/**
 * A realistic Russian export, as a new user brings it: a BOM, CRLF line ends, `;` between cells,
 * phones in every way people write them (10 digits, 8 (…), +7 with en dashes, an impossible one),
 * names with commas and quotes, consent as да/нет/1/true/a date/nonsense, zones as MSK, МСК+2, a city,
 * UTC+3, a typo, a phone repeated, birthdays as dd.MM.yyyy and one as 03/02/1990. Its import is
 * checked row by row, then the message each contact gets from a marketing SMS broadcast.
 */
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'csv', 'contacts-messy-ru.csv');
const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');

let h: EngineHarness;
let report: ImportReport;

beforeAll(async () => {
  h = await createEngineHarness();
  report = await importContactsCsv(h.db.sql, createReadStream(FIXTURE), {
    now: START,
    phoneRegion: 'RU',
    defaultTimezone: 'Europe/Moscow',
    list: 'newsletter',
  });
});
afterAll(async () => {
  await h?.close();
});

interface Stored {
  phone: string;
  name: string | null;
  timezone: string | null;
  opted_in_at: Date | null;
  opt_in_source: string | null;
  attributes: Record<string, string>;
  import_line: number;
}

describe('the messy Russian export', () => {
  it('imports every readable contact, rejects the two impossible phones, and says what it left out', () => {
    expect(report).toMatchObject({ rows: 12, inserted: 9, updated: 1, rejected: 2, warned: 3, repeated: 1 });
    expect(report.errors.map((e) => [e.line, e.column, e.value])).toEqual([
      [6, 'phone', '7916123456'],
      [12, 'phone', '70000000000'],
    ]);
    expect(report.errors.every((e) => e.reason.startsWith('not a phone number: '))).toBe(true);
    expect(report.warnings).toEqual([
      {
        line: 9,
        column: 'opted_in',
        value: 'может быть',
        reason: 'expected да/нет, yes/no, true/false, 1/0 or the date consent was given: no consent recorded',
      },
      {
        line: 11,
        column: 'timezone',
        value: 'MSKK',
        reason:
          'not a time zone: expected an IANA name such as Europe/Moscow, MSK/МСК+N, a city or UTC+3: the cell was left out',
      },
      {
        line: 14,
        column: 'opted_in',
        value: '2030-01-01',
        reason: 'the consent time is in the future: no consent recorded',
      },
    ]);
    expect(report.repeats).toEqual([{ line: 7, key: '79161234567', earlierLine: 2 }]);
  });

  it('stores each contact with its E.164 phone, its zone, its consent and its attributes, row by row', async () => {
    const stored = await h.db.sql<Stored[]>`
      select phone, name, timezone, opted_in_at, opt_in_source, attributes, import_line
      from contacts order by import_line`;
    expect(stored).toEqual([
      {
        phone: '79167654321',
        name: 'Иванов Пётр',
        timezone: 'Europe/Moscow',
        opted_in_at: null,
        opt_in_source: null,
        attributes: { firstName: 'Пётр', birthday: '25.12.1985', discount: '10' },
        import_line: 3,
      },
      {
        phone: '79165554433',
        name: 'Петров, Иван',
        timezone: 'Asia/Yekaterinburg',
        // 01.03.2025 is the first of March, at the start of the day in the row's zone (МСК+2).
        opted_in_at: new Date('2025-02-28T19:00:00Z'),
        opt_in_source: 'магазин',
        attributes: { birthday: '13.07.1992', discount: '20' },
        import_line: 4,
      },
      {
        phone: '79162223344',
        name: 'Анна Кузнецова',
        timezone: 'Asia/Almaty',
        opted_in_at: START,
        opt_in_source: 'csv_import',
        attributes: { firstName: 'Анна', discount: '5' },
        import_line: 5,
      },
      {
        phone: '79161234567',
        // Line 7 repeats the phone: its non-empty cells apply after line 2's; the first consent stands.
        name: 'Смирнова Дарья',
        timezone: 'Europe/Moscow',
        opted_in_at: START,
        opt_in_source: 'сайт',
        attributes: { firstName: 'Дарья', birthday: '03.02.1990', discount: '25' },
        import_line: 7,
      },
      {
        phone: '79031112233',
        name: 'Ольга',
        timezone: 'Europe/Moscow',
        opted_in_at: START,
        opt_in_source: 'csv_import',
        attributes: { firstName: 'Ольга', birthday: '01.01.2000' },
        import_line: 8,
      },
      {
        phone: '79031112244',
        name: 'Без Согласия',
        timezone: 'Etc/GMT-3',
        opted_in_at: null,
        opt_in_source: null,
        attributes: { firstName: 'Борис', discount: '30' },
        import_line: 9,
      },
      {
        phone: '442079460958',
        name: "Mary O'Neil",
        timezone: 'Europe/London',
        opted_in_at: START,
        opt_in_source: 'csv_import',
        attributes: { firstName: 'Mary', birthday: '03/02/1990', discount: '12' },
        import_line: 10,
      },
      {
        phone: '79261234567',
        name: 'Сергей',
        timezone: null,
        opted_in_at: START,
        opt_in_source: 'csv_import',
        attributes: { firstName: 'Сергей', birthday: '31.12.1999', discount: '7' },
        import_line: 11,
      },
      {
        phone: '79260000001',
        name: 'Белова, Анна "Ася"',
        timezone: 'Asia/Yekaterinburg',
        opted_in_at: null,
        opt_in_source: null,
        attributes: { firstName: 'Ася', birthday: '29.02.2000', discount: '50' },
        import_line: 14,
      },
    ]);
  });

  it('gives back the rejected rows as they were written, to fix and import again', async () => {
    let text = '';
    for await (const chunk of rejectedRowsCsv(h.db.sql, report.importId)) text += chunk;
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'rejected_line,rejected_reason,phone,name,timezone,opted_in,opt_in_source,firstName,birthday,discount',
    );
    expect(lines[1]).toMatch(/^6,.*,7916123456,Неверный Номер,,да,,Ошибка,,$/);
    expect(lines[2]).toMatch(/^12,.*,70000000000,Нули,,да,,,,$/);
    expect(lines).toHaveLength(3);
  });

  it('sends each contact exactly the words it should get, and skips the rest with their reasons', async () => {
    const now = h.clock.now();
    const definition = validateCampaignDefinition(
      {
        name: 'С наступающим',
        kind: 'broadcast',
        transport: 'sms',
        channelId: 1,
        template:
          "{{firstName}}, с наступающим! Скидка {{discount}}% до {{formatDate endsAt 'd MMMM'}}, " +
          "а в ваш день рождения, {{formatDate birthday 'd MMMM'}}, — подарок.",
        variables: { endsAt: '31.12.2026' },
        audience: { list: 'newsletter' },
        schedule: { at: new Date(now.getTime() + 60_000).toISOString() },
      },
      { now },
    );
    const campaign = await createCampaign(h.db, definition, { now, templatesDir: TEMPLATES });

    // What a user previews for a contact, written as they would write the phone, is what is sent.
    const preview = await previewCampaign(h.db.sql, campaign.id, {
      phone: '8 (916) 123-45-67',
      now,
      phoneRegion: 'RU',
    });
    expect(preview).toMatchObject({
      ok: true,
      text: 'Дарья, с наступающим! Скидка 25% до 31 декабря, а в ваш день рождения, 3 февраля, — подарок.',
      consent: { purpose: 'marketing', skipped: null },
      size: { sms: { encoding: 'UCS-2', segments: 2 } },
    });

    const { worker } = await h.addWorker();
    const timekeeper = new Timekeeper({ sql: h.db.sql, clock: h.clock });
    h.clock.advance(61_000);
    await timekeeper.tick();
    await worker.drain();

    const deliveries = await h.db.sql<{ phone: string; state: string; reason: string | null }[]>`
      select c.phone, d.state, d.reason from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${campaign.id} order by c.import_line`;
    expect(deliveries).toEqual([
      { phone: '79167654321', state: 'skipped', reason: 'no_consent' },
      // "Петров, Иван" has no firstName: skipped, never "Петров,, с наступающим!".
      { phone: '79165554433', state: 'skipped', reason: 'missing_variable:firstName' },
      { phone: '79162223344', state: 'skipped', reason: 'missing_variable:birthday' },
      // Dasha's row is line 7 now: the repeat of line 2 wrote her last.
      { phone: '79161234567', state: 'sent', reason: null },
      { phone: '79031112233', state: 'skipped', reason: 'missing_variable:discount' },
      { phone: '79031112244', state: 'skipped', reason: 'no_consent' },
      // 03/02/1990 is 3 February in Moscow and March 2 in New York: refused, never swapped.
      { phone: '442079460958', state: 'skipped', reason: 'invalid_variable:birthday' },
      { phone: '79261234567', state: 'sent', reason: null },
      { phone: '79260000001', state: 'skipped', reason: 'no_consent' },
    ]);

    const sent = h.sandbox.state.messages.filter((m) => m.type === 'to_client');
    const phoneOf = new Map([...h.sandbox.state.clients.values()].map((c) => [c.id, c.phone]));
    // Sent side by side: in either order.
    expect(sent.map((m) => [phoneOf.get(m.clientId), m.text]).sort()).toEqual([
      [
        '79161234567',
        'Дарья, с наступающим! Скидка 25% до 31 декабря, а в ваш день рождения, 3 февраля, — подарок.',
      ],
      [
        '79261234567',
        'Сергей, с наступающим! Скидка 7% до 31 декабря, а в ваш день рождения, 31 декабря, — подарок.',
      ],
    ]);
    // Nothing was sent to, or even asked of Chat2Desk for, a number that is not the contact's.
    expect([...h.sandbox.state.clients.values()].map((c) => c.phone).sort()).toEqual([
      '79161234567',
      '79261234567',
    ]);

    const campaignReportNow = await campaignReport(h.db.sql, campaign.id);
    expect(campaignReportNow.reasons).toEqual({ no_consent: 3, missing_variable: 3, invalid_variable: 1 });
    expect(campaignReportNow.consent.purpose).toBe('marketing');
    expect(campaignReportNow.failures.find((f) => f.phone === '442079460958')?.detail).toContain(
      '(3 February or March 2): write it as 2025-02-03 or 03.02.2025',
    );
  });
});
