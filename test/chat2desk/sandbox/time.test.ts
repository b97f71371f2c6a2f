import { describe, expect, it } from 'vitest';
import {
  formatApiTime,
  formatApiTimeOrNull,
  parseApiDay,
  realNowMs,
} from '../../../src/chat2desk/sandbox/time.js';

describe('formatApiTime', () => {
  it('writes a time as the manual does, in UTC without milliseconds', () => {
    expect(formatApiTime(new Date('2016-01-11T19:45:05.987Z'))).toBe('2016-01-11T19:45:05 UTC');
  });

  it('passes null through, and formats anything else', () => {
    expect(formatApiTimeOrNull(null)).toBeNull();
    expect(formatApiTimeOrNull(new Date(Date.UTC(2026, 0, 1)))).toBe('2026-01-01T00:00:00 UTC');
  });
});

describe('parseApiDay', () => {
  it('reads dd-mm-yyyy as the whole UTC day', () => {
    expect(parseApiDay('10-03-2026')).toEqual({
      startMs: Date.UTC(2026, 2, 10),
      endMs: Date.UTC(2026, 2, 11),
    });
  });

  it('refuses other layouts', () => {
    for (const value of ['2026-03-10', '1-3-2026', '10.03.2026', '10-03-26', ' 10-03-2026', '']) {
      expect(parseApiDay(value)).toBeNull();
    }
  });

  it('refuses days that do not exist, and takes 29 February only in a leap year', () => {
    for (const value of ['31-02-2026', '00-01-2026', '01-13-2026', '01-00-2026', '29-02-2025']) {
      expect(parseApiDay(value)).toBeNull();
    }
    expect(parseApiDay('29-02-2024')?.startMs).toBe(Date.UTC(2024, 1, 29));
  });

  it('reads a year below 100 as that year, not as 19xx', () => {
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 0, 1);
    expect(parseApiDay('01-01-0050')?.startMs).toBe(year50.getTime());
    expect(new Date(parseApiDay('01-01-0050')!.startMs).getUTCFullYear()).toBe(50);
  });
});

describe('realNowMs', () => {
  it('reads the wall clock as epoch milliseconds and never goes back', () => {
    const first = realNowMs();
    const second = realNowMs();
    expect(second).toBeGreaterThanOrEqual(first);
    expect(Math.abs(first - Date.now())).toBeLessThan(60_000);
  });
});
