import { type CampaignSchedule, nextRunAfter } from '../campaigns/schedule.js';

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
 * next_run_at that was due). Capped at MISSED_INSTANTS_COUNT_LIMIT; only ever used for the log.
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
