import { describe, expect, it } from 'vitest';
import { formatInstant } from '../../src/time/formatInstant.js';

const at = new Date('2026-11-27T07:05:09Z');

describe('formatInstant', () => {
  it('prints the numeric tokens on the wall clock of the zone, padded where doubled', () => {
    expect(formatInstant(at, 'yyyy yy M MM d dd H HH mm ss', 'Europe/Moscow', 'ru-RU')).toBe(
      '2026 26 11 11 27 27 10 10 05 09',
    );
    expect(formatInstant(new Date('2005-01-02T00:04:05Z'), 'd.M.yy H:mm', 'UTC', 'ru-RU')).toBe(
      '2.1.05 0:04',
    );
  });

  it('moves the date with the zone: the same instant is a different day east and west', () => {
    const lateEvening = new Date('2026-11-27T20:00:00Z');
    expect(formatInstant(lateEvening, 'd MMMM HH:mm', 'Asia/Kolkata', 'ru-RU')).toBe('28 ноября 01:30');
    expect(formatInstant(lateEvening, 'd MMMM HH:mm', 'America/New_York', 'ru-RU')).toBe('27 ноября 15:00');
    expect(formatInstant(new Date('2026-11-30T22:30:00Z'), 'd MMMM', 'Europe/Moscow', 'ru-RU')).toBe(
      '1 декабря',
    );
  });

  it('names the Russian month in the genitive beside a day and in the nominative without one', () => {
    expect(formatInstant(at, 'd MMMM yyyy', 'Europe/Moscow', 'ru-RU')).toBe('27 ноября 2026');
    expect(formatInstant(at, 'MMMM yyyy', 'Europe/Moscow', 'ru-RU')).toBe('ноябрь 2026');
    expect(formatInstant(at, 'd MMM', 'Europe/Moscow', 'ru-RU')).toBe('27 нояб.');
  });

  it('does not count a quoted d as a day in the pattern', () => {
    expect(formatInstant(at, "'d' MMMM", 'Europe/Moscow', 'ru-RU')).toBe('d ноябрь');
  });

  it('names months and weekdays in the locale it is given', () => {
    expect(formatInstant(at, 'EEEE, d MMMM', 'Europe/Moscow', 'ru-RU')).toBe('пятница, 27 ноября');
    expect(formatInstant(at, 'EEE', 'Europe/Moscow', 'ru-RU')).toBe('пт');
    expect(formatInstant(at, 'EEEE, d MMMM', 'Europe/Moscow', 'en-US')).toBe('Friday, 27 November');
    expect(formatInstant(at, 'MMMM yyyy', 'Europe/Moscow', 'en-US')).toBe('November 2026');
  });

  it('names the weekday of the day in the zone, not in UTC', () => {
    // 23:30 UTC on Friday is already Saturday in Moscow.
    expect(formatInstant(new Date('2026-11-27T23:30:00Z'), 'EEEE d', 'Europe/Moscow', 'en-US')).toBe(
      'Saturday 28',
    );
  });

  it("copies quoted text as it is, with '' for a quote, and any other character too", () => {
    expect(formatInstant(at, "HH:mm 'o''clock' ''", 'Europe/Moscow', 'ru-RU')).toBe("10:05 o'clock '");
    expect(formatInstant(at, "'yyyy' at HH", 'UTC', 'ru-RU')).toBe('yyyy at 07');
    expect(formatInstant(at, 'xyz / -', 'UTC', 'ru-RU')).toBe('xyz / -');
  });
});
