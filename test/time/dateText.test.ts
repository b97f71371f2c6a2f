import { describe, expect, it } from 'vitest';
import { instantOf, readDateText } from '../../src/time/dateText.js';

describe('readDateText', () => {
  it('reads ISO dates and times, with and without an offset', () => {
    expect(readDateText('2025-02-03')).toEqual({
      ok: true,
      value: { kind: 'date', year: 2025, month: 2, day: 3 },
    });
    expect(readDateText('2025-02-03T10:00:00+03:00')).toEqual({
      ok: true,
      value: { kind: 'instant', at: new Date('2025-02-03T07:00:00Z') },
    });
    expect(readDateText('2025-02-03 10:30')).toEqual({
      ok: true,
      value: { kind: 'local', year: 2025, month: 2, day: 3, hour: 10, minute: 30, second: 0 },
    });
    expect(readDateText('2025-02-03T10:30:15.250Z')).toEqual({
      ok: true,
      value: { kind: 'instant', at: new Date('2025-02-03T10:30:15.250Z') },
    });
  });

  it('reads day.month.year as the Russian convention has it: 03.02.2025 is 3 February, never 2 March', () => {
    expect(readDateText('03.02.2025')).toEqual({
      ok: true,
      value: { kind: 'date', year: 2025, month: 2, day: 3 },
    });
    expect(readDateText('25.12.2026')).toEqual({
      ok: true,
      value: { kind: 'date', year: 2026, month: 12, day: 25 },
    });
    expect(readDateText('3.2.2025 9:05')).toEqual({
      ok: true,
      value: { kind: 'local', year: 2025, month: 2, day: 3, hour: 9, minute: 5, second: 0 },
    });
  });

  it.each([
    ['03/02/2025', /3 February or March 2/],
    ['13/02/2025', /day\/month in some programs and month\/day in others/],
    ['03.02.25', /write the year in full/],
    ['31.02.2025', /not a day of the calendar/],
    ['2025-13-01', /not a day of the calendar/],
    ['2025-02-03T25:00', /not a time of day/],
    ['tomorrow', /not a date: "tomorrow"/],
    ['', /not a date/],
  ])('refuses %j rather than guess', (text, reason) => {
    const reading = readDateText(text);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.reason).toMatch(reason);
  });

  it('refuses numbers and objects, which say nothing of their unit or calendar', () => {
    expect(readDateText(1_700_000_000_000)).toMatchObject({ ok: false, reason: 'not a date: 1700000000000' });
    expect(readDateText({})).toMatchObject({ ok: false, reason: 'not a date: an object' });
    expect(readDateText(new Date('x'))).toMatchObject({ ok: false });
    expect(readDateText(new Date('2025-01-01T00:00:00Z'))).toMatchObject({ ok: true });
  });
});

describe('instantOf', () => {
  it('reads a date or a local time on the wall clock of the zone', () => {
    const day = { kind: 'date', year: 2025, month: 2, day: 3 } as const;
    expect(instantOf(day, 'Europe/Moscow')).toEqual(new Date('2025-02-02T21:00:00Z'));
    expect(instantOf(day, 'Asia/Vladivostok', 'noon')).toEqual(new Date('2025-02-03T02:00:00Z'));
    const local = { kind: 'local', year: 2025, month: 7, day: 1, hour: 9, minute: 0, second: 0 } as const;
    expect(instantOf(local, 'Europe/Berlin')).toEqual(new Date('2025-07-01T07:00:00Z'));
  });

  it('reads a wall-clock time skipped by a DST change with the offset from before it', () => {
    const skipped = { kind: 'local', year: 2025, month: 3, day: 30, hour: 2, minute: 30, second: 0 } as const;
    expect(instantOf(skipped, 'Europe/Berlin')).toEqual(new Date('2025-03-30T01:30:00Z'));
  });
});
