import { instantsAtWallClock, wallClockAt, zoneOffsetMs } from '../time/timeZones.js';

/*
 * Send windows are read on the wall clock of the recipient's zone, one opening per calendar day:
 * - the window of day D opens at D `from` and closes at the next `to` (D+1 `to` when `to` < `from`,
 *   a window crossing midnight); `days` (1 = Monday … 7 = Sunday) names the days a window OPENS on;
 * - a `from` or `to` that does not exist that day (inside a spring-forward gap) means the first
 *   instant after it, i.e. the moment the clocks jump;
 * - a wall-clock time shown twice (fall-back) counts at its first occurrence, and a window closed
 *   during the repeated hour does not open again when the clock shows its hours a second time.
 * So a DST change neither skips a day's window nor opens one twice.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Yesterday's window may still be open (crossing midnight); a week ahead always holds an allowed day. */
const DAYS_BEHIND = 1;
const DAYS_AHEAD = 8;

export interface WindowOpening {
  opensAt: Date;
  closesAt: Date;
}

export interface SendWindow {
  /** HH:MM in the contact's time zone; `to` earlier than `from` means the window spans midnight. */
  from: string;
  to: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday, ascending; absent = every day. */
  days?: number[];
}

/** The instant at or after `at` when a message may go out: `at` itself inside the window, else its next opening. */
export function nextSendInstant(window: SendWindow | null, timeZone: string, at: Date): Date {
  if (!window) return at;
  const opening = currentOrNextOpening(window, timeZone, at);
  return opening.opensAt.getTime() <= at.getTime() ? at : opening.opensAt;
}

export function isInsideSendWindow(window: SendWindow | null, timeZone: string, at: Date): boolean {
  return nextSendInstant(window, timeZone, at).getTime() === at.getTime();
}

/** The window open at `at`, or else the next one to open. */
export function currentOrNextOpening(window: SendWindow, timeZone: string, at: Date): WindowOpening {
  const atMs = at.getTime();
  const today = wallClockAt(atMs, timeZone);
  const todayMs = Date.UTC(today.year, today.month - 1, today.day);
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  for (let offset = -DAYS_BEHIND; offset <= DAYS_AHEAD; offset++) {
    const dayMs = todayMs + offset * DAY_MS;
    if (window.days && !window.days.includes(isoWeekday(dayMs))) continue;
    const opensAt = firstInstantAtOrAfterWallClock(dayMs + from * MINUTE_MS, timeZone);
    const closeDayMs = to > from ? dayMs : dayMs + DAY_MS;
    const closesAt = firstInstantAtOrAfterWallClock(closeDayMs + to * MINUTE_MS, timeZone, opensAt);
    // A window lying wholly inside a spring-forward gap does not exist that day.
    if (closesAt <= opensAt) continue;
    if (atMs < closesAt) return { opensAt: new Date(opensAt), closesAt: new Date(closesAt) };
  }
  // Unreachable for a validated window (days non-empty): every week has an allowed day.
  throw new Error(`send window ${JSON.stringify(window)} never opens`);
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a calendar day given as UTC midnight. */
function isoWeekday(dayMs: number): number {
  const day = new Date(dayMs).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * The first instant (after `notBefore`, when given) whose wall clock reads `localMs` or later: the
 * first occurrence of a repeated time, the end of the jump for a time inside a gap.
 */
function firstInstantAtOrAfterWallClock(localMs: number, timeZone: string, notBefore = -Infinity): number {
  const occurrence = instantsAtWallClock(localMs, timeZone).find((instant) => instant > notBefore);
  if (occurrence !== undefined) return occurrence;
  return gapEnd(localMs, timeZone);
}

/**
 * `localMs` falls in a spring-forward gap: the instant the clocks jumped over it. Read under the
 * offset after the jump it lands before the change, under the offset before it after the change;
 * the change itself is found between the two by bisection (offsets change on whole seconds).
 */
function gapEnd(localMs: number, timeZone: string): number {
  const before = zoneOffsetMs(localMs - DAY_MS, timeZone);
  const after = zoneOffsetMs(localMs + DAY_MS, timeZone);
  let low = localMs - after; // still under the old offset
  let high = localMs - before; // already under the new one
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (middle <= low) break;
    if (zoneOffsetMs(middle, timeZone) === before) low = middle;
    else high = middle;
  }
  return high;
}
