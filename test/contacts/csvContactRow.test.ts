import { describe, expect, it } from 'vitest';
import {
  CONTACT_COLUMNS,
  type ContactColumn,
  DEFAULT_OPT_IN_SOURCE,
  readConsent,
  readContactRow,
} from '../../src/contacts/csvContactRow.js';
import { type CsvColumns, mapCsvHeader } from '../../src/csv/csvHeader.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
const CONTEXT = { now: NOW, phoneRegion: 'RU' as const, defaultTimezone: 'Europe/Moscow' };
const FULL_HEADER = ['Phone', 'Name', 'TimeZone', 'Opted-In', 'opt_in_source', 'City'];

function columns(header: string[]): CsvColumns<ContactColumn> {
  return mapCsvHeader(header, 1, CONTACT_COLUMNS);
}

function read(cells: string[], header = FULL_HEADER, line = 2) {
  return readContactRow({ line, cells }, columns(header), CONTEXT);
}

describe('readContactRow', () => {
  it('reads every column of a full row, the phone as E.164 digits and the rest as attributes', () => {
    expect(read(['8 (916) 123-45-67', 'Ann', 'Asia/Yekaterinburg', 'да', 'shop', 'Perm'])).toEqual({
      ok: true,
      value: {
        phone: '79161234567',
        name: 'Ann',
        timezone: 'Asia/Yekaterinburg',
        optedInAt: NOW,
        optInSource: 'shop',
        withdrawsConsent: null,
        attributes: { City: 'Perm' },
      },
      warnings: [],
    });
  });

  it('says nothing of a field the file leaves empty or does not have', () => {
    expect(read(['+7 916 123 45 67', '', '', '', '', ''])).toEqual({
      ok: true,
      value: {
        phone: '79161234567',
        name: null,
        timezone: null,
        optedInAt: null,
        optInSource: null,
        withdrawsConsent: null,
        attributes: {},
      },
      warnings: [],
    });
    expect(read(['79161234567'], ['phone'])).toMatchObject({
      ok: true,
      value: { phone: '79161234567', name: null, timezone: null, optedInAt: null, optInSource: null },
    });
  });

  it('records consent from the file with the import as its source when the row names none', () => {
    const row = read(['79161234567', 'Ann', '', 'yes', '', '']);

    expect(row).toMatchObject({ ok: true, value: { optedInAt: NOW, optInSource: DEFAULT_OPT_IN_SOURCE } });
    expect(DEFAULT_OPT_IN_SOURCE).toBe('csv_import');
  });

  it('records no source without consent, even when the row names one', () => {
    expect(read(['79161234567', 'Ann', '', 'no', 'shop', ''])).toMatchObject({
      ok: true,
      value: { optedInAt: null, optInSource: null },
    });
  });

  it('reads an explicit no as consent withdrawn on the source’s word (else the import’s); an empty cell as nothing', () => {
    expect(read(['79161234567', '', '', 'нет', 'звонок', ''])).toMatchObject({
      value: { optedInAt: null, withdrawsConsent: 'звонок' },
    });
    expect(read(['79161234567', '', '', 'false', '', ''])).toMatchObject({
      value: { withdrawsConsent: DEFAULT_OPT_IN_SOURCE },
    });
    expect(read(['79161234567', '', '', '', 'звонок', ''])).toMatchObject({
      value: { withdrawsConsent: null },
    });
    expect(read(['79161234567', '', '', 'может быть', '', ''])).toMatchObject({
      value: { withdrawsConsent: null },
    });
  });

  it('reads a consent date without an offset in the row’s zone, else in the default zone', () => {
    const inRowZone = read(['79161234567', '', 'Asia/Yekaterinburg', '01.11.2026', '', '']);
    const inDefaultZone = read(['79161234568', '', '', '01.11.2026', '', '']);

    expect(inRowZone).toMatchObject({ ok: true, value: { optedInAt: new Date('2026-10-31T19:00:00Z') } });
    expect(inDefaultZone).toMatchObject({ ok: true, value: { optedInAt: new Date('2026-10-31T21:00:00Z') } });
  });

  it('rejects a row whose phone cannot be read, naming the column as the header spells it', () => {
    expect(read(['call me', 'Ann', '', '', '', ''], FULL_HEADER, 7)).toEqual({
      ok: false,
      errors: [
        {
          line: 7,
          column: 'Phone',
          value: 'call me',
          reason: 'a phone may hold only digits, spaces, dashes, dots, brackets and a leading +',
        },
      ],
    });
    expect(read(['', 'Ann', '', '', '', ''], FULL_HEADER, 8)).toEqual({
      ok: false,
      errors: [{ line: 8, column: 'Phone', reason: 'the phone is empty' }],
    });
  });

  it('keeps the contact without a zone it cannot read, with a warning', () => {
    const row = read(['79161234567', 'Ann', 'Mars/Olympus', '', '', '']);

    expect(row).toMatchObject({ ok: true, value: { timezone: null } });
    expect(row.ok && row.warnings).toEqual([
      {
        line: 2,
        column: 'TimeZone',
        value: 'Mars/Olympus',
        reason: expect.stringMatching(/: the cell was left out$/),
      },
    ]);
  });

  it('keeps the contact without consent when the consent cannot be read or lies in the future, with a warning', () => {
    const unreadable = read(['79161234567', '', '', 'maybe', '', '']);
    const future = read(['79161234567', '', '', '2026-12-01', '', '']);

    expect(unreadable).toMatchObject({ ok: true, value: { optedInAt: null, optInSource: null } });
    expect(unreadable.ok && unreadable.warnings).toEqual([
      {
        line: 2,
        column: 'Opted-In',
        value: 'maybe',
        reason: 'expected да/нет, yes/no, true/false, 1/0 or the date consent was given: no consent recorded',
      },
    ]);
    expect(future).toMatchObject({ ok: true, value: { optedInAt: null } });
    expect(future.ok && future.warnings).toEqual([
      {
        line: 2,
        column: 'Opted-In',
        value: '2026-12-01',
        reason: 'the consent time is in the future: no consent recorded',
      },
    ]);
  });
});

describe('readConsent', () => {
  it('reads the yes-words of spreadsheets, in any case, as consent given now', () => {
    for (const word of ['true', 'YES', 'y', '1', '+', 'on', 'Да', 'д', '✓', '✔', ' yes ']) {
      expect(readConsent(word, NOW, 'UTC'), word).toEqual({ ok: true, at: NOW });
    }
  });

  it('reads the no-words as no consent, withdrawn, and an empty cell as saying nothing', () => {
    for (const word of ['false', 'No', 'n', '0', '-', 'off', 'НЕТ', 'н']) {
      expect(readConsent(word, NOW, 'UTC'), word).toEqual({ ok: true, at: null, withdrawn: true });
    }
    for (const word of ['', '  '])
      expect(readConsent(word, NOW, 'UTC'), word).toEqual({ ok: true, at: null });
  });

  it('reads a time with an offset as that instant, whatever the zone', () => {
    expect(readConsent('2026-11-01T10:00:00+03:00', NOW, 'Asia/Tokyo')).toEqual({
      ok: true,
      at: new Date('2026-11-01T07:00:00Z'),
    });
  });

  it('takes consent given exactly now, and refuses it a moment later', () => {
    expect(readConsent('2026-11-27T07:00:00Z', NOW, 'UTC')).toEqual({ ok: true, at: NOW });
    expect(readConsent('2026-11-27T07:00:01Z', NOW, 'UTC')).toEqual({
      ok: false,
      reason: 'the consent time is in the future',
    });
  });

  it('explains a date it cannot read as a date, and a word as what words it takes', () => {
    const date = readConsent('31.02.2026', NOW, 'UTC');
    const word = readConsent('sure', NOW, 'UTC');

    expect(date.ok).toBe(false);
    expect(!date.ok && date.reason).not.toContain('expected да/нет');
    expect(word).toEqual({
      ok: false,
      reason: 'expected да/нет, yes/no, true/false, 1/0 or the date consent was given',
    });
  });
});
