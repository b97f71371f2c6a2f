/**
 * Conversions between instants and wall-clock time in an IANA zone, through Intl (the platform's
 * tz database): no zone arithmetic of our own, so DST rules stay as current as Node's ICU.
 */

/** Wall-clock fields (month 1-12). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

const wallClockFormatters = new Map<string, Intl.DateTimeFormat>();

function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = wallClockFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClockFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** An IANA zone name Intl knows (`Europe/Moscow`, `UTC`); offsets such as `+03:00` are not zones. */
export function isIanaTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || !IANA_NAME.test(name)) return false;
  try {
    wallClockFormatter(name);
    return true;
  } catch {
    return false;
  }
}

export function wallClockAt(instantMs: number, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of wallClockFormatter(timeZone).formatToParts(instantMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    // Some ICU versions print midnight as 24 even with h23.
    hour: (fields.hour ?? 0) % 24,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** The wall clock read as if it were UTC: a number that orders and subtracts like local time. */
export function wallClockMs(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** How far the zone's wall clock is ahead of UTC at an instant (whole seconds). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const floored = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(wallClockAt(floored, timeZone)) - floored;
}

/**
 * The instants whose wall clock in the zone reads `localMs` (see wallClockMs), ascending: none in a
 * spring-forward gap, two in a fall-back overlap, one otherwise. Assumes at most one offset change
 * within a day either side, which every real zone satisfies.
 */
export function instantsAtWallClock(localMs: number, timeZone: string): number[] {
  const offsets = new Set([
    zoneOffsetMs(localMs - DAY_MS, timeZone),
    zoneOffsetMs(localMs, timeZone),
    zoneOffsetMs(localMs + DAY_MS, timeZone),
  ]);
  const instants = new Set<number>();
  for (const offset of offsets) {
    const instant = localMs - offset;
    if (zoneOffsetMs(instant, timeZone) === offset) instants.add(instant);
  }
  return [...instants].sort((a, b) => a - b);
}

/** Days in a month of the proleptic Gregorian calendar (month 1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * An ISO 8601 time that names its instant unambiguously: with `Z` or an offset such as +03:00.
 * 'no_offset' for a local time (which instant it means would be a guess); null for anything else,
 * including impossible dates such as 2026-02-30 that Date.parse would roll over.
 */
export function parseIsoWithOffset(text: string): Date | 'no_offset' | null {
  const match = ISO_TIME.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second = '0', fraction = '0', offset] = match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  if (offset === undefined) return 'no_offset';
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const extraMinutes = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || extraMinutes > 59) return null;
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + extraMinutes);
  }
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMinutes * 60_000);
}
