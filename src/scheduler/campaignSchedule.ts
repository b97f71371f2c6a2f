/*
 * The schedule of a campaigns row, and the count of instants it passed over, live below the scheduler in
 * src/campaigns/schedule.ts: resuming a campaign (src/campaigns/lifecycle.ts) needs them too.
 */
export {
  countInstantsBetween,
  MISSED_INSTANTS_COUNT_LIMIT,
  type ScheduleColumns,
  scheduleOf,
} from '../campaigns/schedule.js';
