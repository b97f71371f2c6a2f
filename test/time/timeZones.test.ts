import { describe, expect, it } from 'vitest';
import {
  instantsAtWallClock,
  isIanaTimeZone,
  parseIsoWithOffset,
  wallClockAt,
} from '../../src/time/timeZones.js';

describe('isIanaTimeZone', () => {
  it('accepts zone names the tz database knows', () => {
    for (const zone of [
      'Europe/Moscow',
      'America/New_York',
      'Asia/Yekaterinburg',
      'UTC',
      'America/Argentina/Buenos_Aires',
    ]) {
      expect(isIanaTimeZone(zone), zone).toBe(true);
    }
  });

  it('refuses offsets, abbreviations and made-up names', () => {
    for (const zone of ['+03:00', 'MSK+3', 'Moscow', 'Mars/Olympus', '', 42, null]) {
      expect(isIanaTimeZone(zone), String(zone)).toBe(false);
    }
  });
});

describe('wallClockAt and instantsAtWallClock', () => {
  it('reads the wall clock of an instant in a zone', () => {
    expect(wallClockAt(Date.parse('2026-11-27T07:00:00Z'), 'Europe/Moscow')).toEqual({
      year: 2026,
      month: 11,
      day: 27,
      hour: 10,
      minute: 0,
      second: 0,
    });
  });

  it('finds no instant for a time in the spring-forward gap and two in the fall-back overlap', () => {
    expect(instantsAtWallClock(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York')).toEqual([]);
    expect(instantsAtWallClock(Date.UTC(2026, 10, 1, 1, 30), 'America/New_York')).toEqual([
      Date.parse('2026-11-01T05:30:00Z'),
      Date.parse('2026-11-01T06:30:00Z'),
    ]);
    expect(instantsAtWallClock(Date.UTC(2026, 10, 27, 10, 0), 'Europe/Moscow')).toEqual([
      Date.parse('2026-11-27T07:00:00Z'),
    ]);
  });
});

describe('parseIsoWithOffset', () => {
  it('reads ISO times with Z or an offset', () => {
    expect(parseIsoWithOffset('2026-11-27T10:00:00+03:00')).toEqual(new Date('2026-11-27T07:00:00Z'));
    expect(parseIsoWithOffset('2026-11-27T10:00+0300')).toEqual(new Date('2026-11-27T07:00:00Z'));
    expect(parseIsoWithOffset('2026-11-27T07:00:00.250Z')).toEqual(new Date('2026-11-27T07:00:00.250Z'));
    expect(parseIsoWithOffset('2026-11-27T02:00:00-05')).toEqual(new Date('2026-11-27T07:00:00Z'));
  });

  it('tells a local time without an offset apart from text that is not a time', () => {
    expect(parseIsoWithOffset('2026-11-27T10:00:00')).toBe('no_offset');
    expect(parseIsoWithOffset('2026-02-30T10:00:00Z')).toBeNull();
    expect(parseIsoWithOffset('2026-11-27 10:00:00Z')).toBeNull();
    expect(parseIsoWithOffset('27.11.2026 10:00')).toBeNull();
  });
});
