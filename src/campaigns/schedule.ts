import { type CronPattern, compileCron, cronMatchesDay } from '../time/cron.js';
import { daysInMonth, instantsAtWallClock, wallClockAt, zoneOffsetMs } from '../time/timeZones.js';

/** When a broadcast runs: once, or at each tick of a cron expression read in a time zone. */
export type CampaignSchedule = { at: Date } | { cron: string; timezone: string } | null;

/*
 * Cron ticks follow the wall clock of their zone, and each wall-clock time fires at most once:
 * - spring forward: a time that does not exist that day (02:30 in New York on 2026-03-08) is skipped
 *   for that day, not moved to 03:00 — as Vixie cron and node-cron do for times inside the gap;
 * - fall back: a time the clock shows twice (01:30 in New York on 2026-11-01) fires on its first
 *   occurrence only, so an hourly broadcast does not go out twice in one night.
 * The search steps through calendar fields (months, days, then the pattern's own hours, minutes and
 * seconds), never minute by minute, and gives up after a century: an expression such as
 * `0 0 30 2 *` is rejected by validation, and one that fires that rarely is treated as never.
 */
const SEARCH_YEARS = 100;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

/** The schedule columns of a campaigns row. */
export interface ScheduleColumns {
  schedule_at: Date | null;
  schedule_cron: string | null;
  timezone: string | null;
}

/**
 * The schedule stored in a campaigns row: `schedule_at` (once) or `schedule_cron` in `timezone`.
 * Campaign creation always stores the time zone with a cron; UTC only guards a hand-edited row.
 */
export function scheduleOf(row: ScheduleColumns): CampaignSchedule {
  if (row.schedule_at) return { at: row.schedule_at };
  if (row.schedule_cron) return { cron: row.schedule_cron, timezone: row.timezone ?? 'UTC' };
  return null;
}

/** Counting missed instants stops here: an every-minute cron down for a week is "at least 10000". */
export const MISSED_INSTANTS_COUNT_LIMIT = 10_000;

/**
 * How many schedule instants in [from, until) were passed over, counting `from` itself (the
 * next_run_at that was due). Capped at MISSED_INSTANTS_COUNT_LIMIT; for the log and for what resume says.
 */
export function countInstantsBetween(schedule: CampaignSchedule, from: Date, until: Date): number {
  let count = 0;
  for (
    let instant: Date | null = from;
    instant !== null && instant < until && count < MISSED_INSTANTS_COUNT_LIMIT;
    instant = nextRunAfter(schedule, instant)
  ) {
    count++;
  }
  return count;
}

/** The first instant strictly after `after` at which the schedule fires, or null if it never does again. */
export function nextRunAfter(schedule: CampaignSchedule, after: Date): Date | null {
  if (schedule === null) return null;
  if ('at' in schedule)
    return schedule.at.getTime() > after.getTime() ? new Date(schedule.at.getTime()) : null;
  const pattern = compileCron(schedule.cron);
  // Validation refuses schedules firing more often than once a minute; one stored by an older version
  // still fires once a minute at most: the next fire is searched from the next minute on.
  const from =
    pattern.seconds.length > 1
      ? Math.floor(after.getTime() / MINUTE_MS + 1) * MINUTE_MS - 1
      : after.getTime();
  const found = nextCronFire(pattern, schedule.timezone, from);
  return found === null ? null : new Date(found);
}

/** The latest instant at or before `at` at which the schedule fired (a tick missed while stopped). */
export function previousRunAtOrBefore(schedule: CampaignSchedule, at: Date): Date | null {
  if (schedule === null) return null;
  if ('at' in schedule) return schedule.at.getTime() <= at.getTime() ? new Date(schedule.at.getTime()) : null;
  const found = previousCronFire(compileCron(schedule.cron), schedule.timezone, at.getTime());
  return found === null ? null : new Date(found);
}

/** The instant a wall-clock time fires at: its first occurrence, or undefined inside a gap. */
function fireInstant(localMs: number, timeZone: string): number | undefined {
  return instantsAtWallClock(localMs, timeZone)[0];
}

function nextCronFire(pattern: CronPattern, timeZone: string, afterMs: number): number | null {
  // Wall-clock times before `after`'s own fire no later than `after` (first occurrences keep order),
  // so the search starts at `after`'s wall clock.
  const start = wallClockAt(afterMs, timeZone);
  const startLocal = Date.UTC(start.year, start.month - 1, start.day, start.hour, start.minute, start.second);
  let date: CalendarDay = start;
  while (date.year <= start.year + SEARCH_YEARS) {
    if (!pattern.months.has(date.month)) {
      date = calendarDay(date.year, date.month + 1, 1);
      continue;
    }
    if (cronMatchesDay(pattern, date.year, date.month, date.day)) {
      const found = firstFireOnDay(pattern, timeZone, date, startLocal, afterMs);
      if (found !== null) return found;
    }
    date = calendarDay(date.year, date.month, date.day + 1);
  }
  return null;
}

function firstFireOnDay(
  pattern: CronPattern,
  timeZone: string,
  date: CalendarDay,
  notBeforeLocal: number,
  afterMs: number,
): number | null {
  const dayStart = Date.UTC(date.year, date.month - 1, date.day);
  for (const hour of pattern.hours) {
    const hourStart = dayStart + hour * HOUR_MS;
    if (hourStart + HOUR_MS <= notBeforeLocal) continue;
    for (const minute of pattern.minutes) {
      const minuteStart = hourStart + minute * MINUTE_MS;
      if (minuteStart + MINUTE_MS <= notBeforeLocal) continue;
      for (const second of pattern.seconds) {
        const local = minuteStart + second * 1000;
        if (local < notBeforeLocal) continue;
        const instant = fireInstant(local, timeZone);
        if (instant !== undefined && instant > afterMs) return instant;
      }
    }
  }
  return null;
}

function previousCronFire(pattern: CronPattern, timeZone: string, atMs: number): number | null {
  // After a fall-back, times already fired in the first pass read later on the wall clock than
  // `at` does, so the search starts from the latest wall clock the last day has shown.
  const limitLocal = atMs + Math.max(zoneOffsetMs(atMs - DAY_MS, timeZone), zoneOffsetMs(atMs, timeZone));
  const limit = new Date(limitLocal);
  let date = calendarDay(limit.getUTCFullYear(), limit.getUTCMonth() + 1, limit.getUTCDate());
  const lastYear = date.year - SEARCH_YEARS;
  while (date.year >= lastYear) {
    if (!pattern.months.has(date.month)) {
      date = calendarDay(date.year, date.month, 0);
      continue;
    }
    if (cronMatchesDay(pattern, date.year, date.month, date.day)) {
      const found = lastFireOnDay(pattern, timeZone, date, limitLocal, atMs);
      if (found !== null) return found;
    }
    date = calendarDay(date.year, date.month, date.day - 1);
  }
  return null;
}

function lastFireOnDay(
  pattern: CronPattern,
  timeZone: string,
  date: CalendarDay,
  notAfterLocal: number,
  atMs: number,
): number | null {
  const dayStart = Date.UTC(date.year, date.month - 1, date.day);
  for (const hour of descending(pattern.hours)) {
    const hourStart = dayStart + hour * HOUR_MS;
    if (hourStart > notAfterLocal) continue;
    for (const minute of descending(pattern.minutes)) {
      const minuteStart = hourStart + minute * MINUTE_MS;
      if (minuteStart > notAfterLocal) continue;
      for (const second of descending(pattern.seconds)) {
        const local = minuteStart + second * 1000;
        if (local > notAfterLocal) continue;
        const instant = fireInstant(local, timeZone);
        if (instant !== undefined && instant <= atMs) return instant;
      }
    }
  }
  return null;
}

function* descending(values: readonly number[]): Generator<number> {
  for (let i = values.length - 1; i >= 0; i--) yield values[i] as number;
}

/** Normalises overflowing fields: (2026, 13, 1) is 2027-01-01, (2026, 3, 0) is 2026-02-28. */
function calendarDay(year: number, month: number, day: number): CalendarDay {
  if (day >= 1 && month >= 1 && month <= 12 && day <= daysInMonth(year, month)) return { year, month, day };
  const normal = new Date(Date.UTC(year, month - 1, day));
  return { year: normal.getUTCFullYear(), month: normal.getUTCMonth() + 1, day: normal.getUTCDate() };
}
