import {
  BOOKED_LATE_POLICIES,
  type BookedLatePolicy,
  OUTSIDE_WINDOW_POLICIES,
  type OutsideWindowPolicy,
} from '../appointments/reminderPolicies.js';
import { cronProblem, cronSubMinuteFiring } from '../time/cron.js';
import { parseDuration } from '../time/durations.js';
import { parseIsoWithOffset } from '../time/timeZones.js';
import type { CampaignKind, SendWindow, ValidateOptions } from './definition.js';
import type { IssueCollector } from './issueCollector.js';
import { type CampaignSchedule, nextRunAfter } from './schedule.js';

// The fields that say when a campaign sends: its schedule, reminder offsets and send window.

/** A reminder goes at most a year before or after its appointment. */
const MAX_OFFSET_SECONDS = 366 * 86_400;
/** A reminder booked late goes out at most a week after its due time. */
const MAX_SEND_LATE_SECONDS = 7 * 86_400;
const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function readSchedule(
  check: IssueCollector,
  value: unknown,
  kind: CampaignKind | null,
  campaignZone: string | null | false,
  options: ValidateOptions,
): CampaignSchedule {
  if (kind === 'reminder') {
    if (value !== undefined)
      check.add(
        'schedule',
        "a reminder has no schedule: it is sent at its offsets from each appointment's start",
      );
    return null;
  }
  if (value === undefined) {
    if (kind === 'broadcast') {
      check.add(
        'schedule',
        'required for a broadcast: {"at": "<ISO time with offset>"} or {"cron": "0 10 * * MON", "timezone": "Europe/Moscow"}',
      );
    }
    return null;
  }
  const spec = check.object(value, 'schedule', ['at', 'cron', 'timezone']);
  if (!spec) return null;
  if (spec.at !== undefined && spec.cron !== undefined) {
    check.add('schedule', 'give either "at" (once) or "cron" (repeating), not both');
    return null;
  }
  if (spec.at !== undefined) {
    if (spec.timezone !== undefined)
      check.add('schedule.timezone', 'only a cron schedule takes a time zone: "at" carries its own offset');
    return readOneShot(check, spec.at, options);
  }
  if (spec.cron !== undefined) return readCron(check, spec, campaignZone, options);
  check.add('schedule', 'expected "at" (once) or "cron" (repeating)');
  return null;
}

function readOneShot(check: IssueCollector, value: unknown, options: ValidateOptions): CampaignSchedule {
  if (typeof value !== 'string') {
    check.expected('schedule.at', 'an ISO time with an offset, such as "2026-11-27T10:00:00+03:00"', value);
    return null;
  }
  const parsed = parseIsoWithOffset(value);
  if (parsed === 'no_offset') {
    check.add(
      'schedule.at',
      `${JSON.stringify(value)} has no UTC offset: add one, e.g. "${value}+03:00", or Z for UTC`,
    );
    return null;
  }
  if (parsed === null) {
    check.add(
      'schedule.at',
      `${JSON.stringify(value)} is not an ISO time such as "2026-11-27T10:00:00+03:00"`,
    );
    return null;
  }
  if (!options.allowPastSchedule && parsed.getTime() <= options.now.getTime()) {
    check.add('schedule.at', `${JSON.stringify(value)} is in the past`);
    return null;
  }
  return { at: parsed };
}

function readCron(
  check: IssueCollector,
  spec: Record<string, unknown>,
  campaignZone: string | null | false,
  options: ValidateOptions,
): CampaignSchedule {
  const cron = typeof spec.cron === 'string' ? spec.cron.trim() : null;
  let valid = true;
  if (cron === null || cron === '') {
    check.expected('schedule.cron', 'a cron expression such as "0 10 * * MON"', spec.cron);
    valid = false;
  } else {
    const problem = cronProblem(cron);
    // Every second would message the whole audience every second: a campaign's finest tick is a minute.
    const tooOften = problem ? null : cronSubMinuteFiring(cron);
    if (problem) {
      check.add('schedule.cron', `${JSON.stringify(cron)} is not a valid cron expression: ${problem}`);
      valid = false;
    } else if (tooOften) {
      check.add(
        'schedule.cron',
        `${JSON.stringify(cron)} ${tooOften}; a campaign fires at most once a minute: use five fields, ` +
          'or six with one fixed second such as "0 */5 * * * *"',
      );
      valid = false;
    }
  }
  const ownZone = spec.timezone === undefined ? null : check.timeZone('schedule.timezone', spec.timezone);
  if (ownZone === false) return null;
  if (ownZone && campaignZone && ownZone !== campaignZone) {
    // The campaign row keeps one zone, for the schedule and for contacts without one alike.
    check.add(
      'schedule.timezone',
      `${JSON.stringify(ownZone)} differs from the campaign's timezone ${JSON.stringify(campaignZone)}: give one zone`,
    );
    return null;
  }
  const timezone = ownZone ?? campaignZone;
  if (timezone === false) return null;
  if (timezone === null) {
    check.add(
      'schedule.timezone',
      'required with a cron schedule: an IANA zone such as "Europe/Moscow" (or the campaign\'s "timezone")',
    );
    return null;
  }
  if (!valid || cron === null) return null;
  if (nextRunAfter({ cron, timezone }, options.now) === null) {
    check.add('schedule.cron', `${JSON.stringify(cron)} never fires`);
    return null;
  }
  return { cron, timezone };
}

export function readOffsets(check: IssueCollector, value: unknown, kind: CampaignKind | null): number[] {
  if (kind === 'broadcast') {
    if (value !== undefined)
      check.add('offsets', 'only a reminder takes offsets (a broadcast has a schedule)');
    return [];
  }
  if (value === undefined) {
    if (kind === 'reminder')
      check.add(
        'offsets',
        'required for a reminder: when to send relative to each appointment, e.g. ["-24h", "-2h"]',
      );
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) {
    check.expected('offsets', 'a list of offsets such as ["-24h", "-2h"]', value);
    return [];
  }
  const offsets: number[] = [];
  value.forEach((item, i) => {
    const path = `offsets[${i}]`;
    const parsed = typeof item === 'string' ? parseDuration(item) : null;
    if (!parsed) {
      check.expected(path, 'an offset such as "-24h", "-15m" or "-1h30m"', item);
    } else if (!parsed.signed && parsed.seconds !== 0) {
      check.add(
        path,
        `${JSON.stringify(item)} needs a sign: "-${String(item).trim()}" before the appointment, "+${String(item).trim()}" after`,
      );
    } else if (Math.abs(parsed.seconds) > MAX_OFFSET_SECONDS) {
      check.add(path, `${JSON.stringify(item)} is too far from the appointment: at most 366 days`);
    } else if (offsets.includes(parsed.seconds)) {
      check.add(path, `${JSON.stringify(item)} repeats an earlier offset`);
    } else {
      offsets.push(parsed.seconds);
    }
  });
  return offsets;
}

export function readSendLateWithin(
  check: IssueCollector,
  value: unknown,
  kind: CampaignKind | null,
): number | null {
  if (value === undefined) return null;
  if (kind === 'broadcast') {
    check.add('sendLateWithin', 'only a reminder takes sendLateWithin');
    return null;
  }
  const parsed = typeof value === 'string' && !value.trim().startsWith('-') ? parseDuration(value) : null;
  if (!parsed || parsed.seconds <= 0) {
    check.expected('sendLateWithin', 'a positive duration such as "30m"', value);
    return null;
  }
  if (parsed.seconds > MAX_SEND_LATE_SECONDS) {
    check.add('sendLateWithin', `${JSON.stringify(value)} is too long: at most 7 days ("7d")`);
    return null;
  }
  return parsed.seconds * 1000;
}

/**
 * A reminder's `outsideWindow` and `bookedLate` (src/appointments/reminderPolicies.ts), each only when
 * given: the defaults are applied where reminders are scheduled, so a stored campaign reads as written.
 */
export function readReminderPolicies(
  check: IssueCollector,
  values: { outsideWindow: unknown; bookedLate: unknown },
  kind: CampaignKind | null,
): { outsideWindow?: OutsideWindowPolicy; bookedLate?: BookedLatePolicy } {
  const outsideWindow = readPolicy(
    check,
    'outsideWindow',
    values.outsideWindow,
    kind,
    OUTSIDE_WINDOW_POLICIES,
  );
  const bookedLate = readPolicy(check, 'bookedLate', values.bookedLate, kind, BOOKED_LATE_POLICIES);
  return { ...(outsideWindow ? { outsideWindow } : {}), ...(bookedLate ? { bookedLate } : {}) };
}

function readPolicy<T extends string>(
  check: IssueCollector,
  path: 'outsideWindow' | 'bookedLate',
  value: unknown,
  kind: CampaignKind | null,
  allowed: readonly T[],
): T | null {
  if (value === undefined) return null;
  if (kind === 'broadcast') {
    check.add(path, `only a reminder takes ${path} (one of ${allowed.join(', ')})`);
    return null;
  }
  return check.oneOf(path, value, allowed);
}

export function readSendWindow(check: IssueCollector, value: unknown): SendWindow | null {
  if (value === undefined) return null;
  const spec = check.object(value, 'sendWindow', ['from', 'to', 'days']);
  if (!spec) return null;
  const clock = (key: 'from' | 'to') => {
    const time = spec[key];
    if (typeof time === 'string' && CLOCK_TIME.test(time)) return time;
    check.expected(`sendWindow.${key}`, 'a time HH:MM such as "09:00"', time);
    return null;
  };
  const from = clock('from');
  const to = clock('to');
  if (from && to && from === to)
    check.add('sendWindow', `from and to are both ${from}: the window would be empty`);
  const days = spec.days === undefined || spec.days === null ? undefined : readWeekdays(check, spec.days);
  if (!from || !to || from === to || days === null) return null;
  return days ? { from, to, days } : { from, to };
}

function readWeekdays(check: IssueCollector, value: unknown): number[] | null {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((day) => Number.isInteger(day) && day >= 1 && day <= 7) &&
    new Set(value).size === value.length;
  if (!valid) {
    check.expected(
      'sendWindow.days',
      'distinct weekdays 1 (Monday) to 7 (Sunday), e.g. [1, 2, 3, 4, 5]',
      value,
    );
    return null;
  }
  return [...(value as number[])].sort((a, b) => a - b);
}
