import { describe, expect, it } from 'vitest';
import { parseChat2DeskTime } from '../../src/delivery/chat2deskTime.js';

describe('parseChat2DeskTime', () => {
  it('reads the REST form "YYYY-MM-DDTHH:MM:SS UTC" as that instant in UTC', () => {
    expect(parseChat2DeskTime('2016-01-11T19:45:05 UTC')).toEqual(new Date('2016-01-11T19:45:05.000Z'));
  });

  it('reads the form with a space between date and time, and ignores surrounding blanks', () => {
    expect(parseChat2DeskTime('  2016-01-11 19:45:05 UTC  ')).toEqual(new Date('2016-01-11T19:45:05.000Z'));
  });

  it('reads an ISO timestamp with its own offset', () => {
    expect(parseChat2DeskTime('2026-11-27T10:00:00+03:00')).toEqual(new Date('2026-11-27T07:00:00.000Z'));
    expect(parseChat2DeskTime('2026-11-27T07:00:00.250Z')).toEqual(new Date('2026-11-27T07:00:00.250Z'));
  });

  it('answers undefined for nothing, an empty string or text that is no time', () => {
    expect(parseChat2DeskTime(undefined)).toBeUndefined();
    expect(parseChat2DeskTime(null)).toBeUndefined();
    expect(parseChat2DeskTime('')).toBeUndefined();
    expect(parseChat2DeskTime('yesterday UTC')).toBeUndefined();
    expect(parseChat2DeskTime('2016-13-45 99:00:00 UTC')).toBeUndefined();
  });
});
