import { describe, expect, it } from 'vitest';
import {
  countInstantsBetween,
  MISSED_INSTANTS_COUNT_LIMIT,
  scheduleOf,
} from '../../src/scheduler/campaignSchedule.js';

const AT = new Date('2026-11-27T10:00:00.000Z');
const HOUR = 3_600_000;
const later = (ms: number) => new Date(AT.getTime() + ms);

describe('scheduleOf', () => {
  it('reads a one-off schedule from schedule_at', () => {
    expect(scheduleOf({ schedule_at: AT, schedule_cron: null, timezone: null })).toEqual({ at: AT });
  });

  it('reads a cron with its time zone', () => {
    expect(scheduleOf({ schedule_at: null, schedule_cron: '0 9 * * *', timezone: 'Europe/Moscow' })).toEqual({
      cron: '0 9 * * *',
      timezone: 'Europe/Moscow',
    });
  });

  it('takes a cron stored without a time zone (a hand-edited row) as UTC', () => {
    expect(scheduleOf({ schedule_at: null, schedule_cron: '0 9 * * *', timezone: null })).toEqual({
      cron: '0 9 * * *',
      timezone: 'UTC',
    });
  });

  it('gives no schedule for a row with neither', () => {
    expect(scheduleOf({ schedule_at: null, schedule_cron: null, timezone: 'UTC' })).toBeNull();
  });
});

describe('countInstantsBetween', () => {
  const hourly = { cron: '0 * * * *', timezone: 'UTC' };

  it('counts the due instant itself and every one after it before `until`', () => {
    expect(countInstantsBetween(hourly, AT, later(3 * HOUR + 1))).toBe(4);
  });

  it('leaves out an instant falling exactly on `until`', () => {
    expect(countInstantsBetween(hourly, AT, later(3 * HOUR))).toBe(3);
  });

  it('counts nothing when `until` is not after `from`', () => {
    expect(countInstantsBetween(hourly, AT, AT)).toBe(0);
    expect(countInstantsBetween(hourly, AT, later(-HOUR))).toBe(0);
  });

  it('counts a one-off schedule once, however long ago it was due', () => {
    expect(countInstantsBetween({ at: AT }, AT, later(30 * 24 * HOUR))).toBe(1);
  });

  it('follows the wall clock of the time zone across a DST change', () => {
    // 02:30 every day in New York: 2026-03-08 has no 02:30, so three days hold two instants.
    const schedule = { cron: '30 2 * * *', timezone: 'America/New_York' };
    const from = new Date('2026-03-07T07:30:00.000Z');
    expect(countInstantsBetween(schedule, from, new Date('2026-03-10T00:00:00.000Z'))).toBe(2);
  });

  it('stops counting at the limit for an every-minute cron down for a week', () => {
    const everyMinute = { cron: '* * * * *', timezone: 'UTC' };
    expect(countInstantsBetween(everyMinute, AT, later(7 * 24 * HOUR))).toBe(MISSED_INSTANTS_COUNT_LIMIT);
    expect(MISSED_INSTANTS_COUNT_LIMIT).toBe(10_000);
  });
});
