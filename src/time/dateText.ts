import { daysInMonth, instantsAtWallClock, wallClockMs } from './timeZones.js';

/**
 * Dates and times as they arrive in contact files and template variables, read only where the text
 * says one thing: ISO 8601 (`2025-02-03`, `2025-02-03T10:00`, with or without an offset) and the
 * Russian convention day.month.year (`03.02.2025`, `3.2.2025 10:00`). A date that programs read
 * differently (`03/02/2025` is 3 February in Moscow and March 2 in New York) is refused, never guessed.
 */
export type DateText =
  /** A moment: the text gave its offset (or Z), or it was a Date already. */
  | { kind: 'instant'; at: Date }
  /** A day of the calendar, wherever it is read. */
  | { kind: 'date'; year: number; month: number; day: number }
  /** A wall-clock time without an offset: its moment depends on the zone it is read in. */
  | { kind: 'local'; year: number; month: number; day: number; hour: number; minute: number; second: number };

export type DateTextReading = { ok: true; value: DateText } | { ok: false; reason: string };

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const TWO_DIGIT_YEAR = /^\d{1,2}\.\d{1,2}\.\d{2}(?:\s|$)/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{2,4})(?:\s|$)/;

export function readDateText(value: unknown): DateTextReading {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime())
      ? { ok: false, reason: 'not a date' }
      : { ok: true, value: { kind: 'instant', at: value } };
  }
  if (typeof value !== 'string') return { ok: false, reason: `not a date: ${describe(value)}` };
  const text = value.trim();
  const iso = ISO.exec(text);
  if (iso) {
    const [, year, month, day, hour, minute, second, fraction, offset] = iso;
    return fieldsOf(text, Number(year), Number(month), Number(day), hour, minute, second, fraction, offset);
  }
  const dotted = DOTTED.exec(text);
  if (dotted) {
    const [, day, month, year, hour, minute, second] = dotted;
    return fieldsOf(
      text,
      Number(year),
      Number(month),
      Number(day),
      hour,
      minute,
      second,
      undefined,
      undefined,
    );
  }
  if (TWO_DIGIT_YEAR.test(text)) {
    return {
      ok: false,
      reason: `${quoted(text)}: write the year in full (e.g. 03.02.2025), its century is a guess`,
    };
  }
  const slashed = SLASHED.exec(text);
  if (slashed) {
    const [, first, second] = slashed;
    return {
      ok: false,
      reason:
        `${quoted(text)} is read as day/month in some programs and month/day in others` +
        `${Number(first) <= 12 && Number(second) <= 12 ? ` (${ordinalDate(first!, second!)})` : ''}: ` +
        'write it as 2025-02-03 or 03.02.2025',
    };
  }
  return {
    ok: false,
    reason: `not a date: ${quoted(text)} (expected 2025-02-03 or 03.02.2025)`,
  };
}

/** The moment a reading names when read in `timeZone`: a date at its start, a local time as on the wall. */
export function instantOf(value: DateText, timeZone: string, dayTime: 'start' | 'noon' = 'start'): Date {
  if (value.kind === 'instant') return value.at;
  const wall =
    value.kind === 'date' ? { ...value, hour: dayTime === 'noon' ? 12 : 0, minute: 0, second: 0 } : value;
  const local = wallClockMs(wall);
  const [instant] = instantsAtWallClock(local, timeZone);
  // A wall-clock time skipped by a DST change: read it with the offset from before the change.
  return new Date(instant ?? instantsAtWallClock(local + 3_600_000, timeZone)[0] ?? local);
}

function fieldsOf(
  text: string,
  year: number,
  month: number,
  day: number,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  fraction: string | undefined,
  offset: string | undefined,
): DateTextReading {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: `${quoted(text)} is not a day of the calendar` };
  }
  if (hour === undefined) return { ok: true, value: { kind: 'date', year, month, day } };
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? '0');
  if (h > 23 || mi > 59 || s > 59) return { ok: false, reason: `${quoted(text)} is not a time of day` };
  if (offset === undefined) {
    return { ok: true, value: { kind: 'local', year, month, day, hour: h, minute: mi, second: s } };
  }
  let offsetMinutes = 0;
  if (offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const extra = Number(digits.slice(2) || '0');
    if (hours > 23 || extra > 59) return { ok: false, reason: `${quoted(text)} has no valid UTC offset` };
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (hours * 60 + extra);
  }
  const ms = Number((fraction ?? '0').padEnd(3, '0').slice(0, 3));
  const at = new Date(Date.UTC(year, month - 1, day, h, mi, s, ms) - offsetMinutes * 60_000);
  return { ok: true, value: { kind: 'instant', at } };
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "3 February or March 2" for 03/02: the two readings, in words. */
function ordinalDate(first: string, second: string): string {
  const a = Number(first);
  const b = Number(second);
  return `${a} ${MONTHS[b - 1]} or ${MONTHS[a - 1]} ${b}`;
}

/** A value in a reason, quoted, and cut to 40 characters: reasons are read, and stored, by the thousand. */
function quoted(text: string): string {
  return `"${text.length > 40 ? `${text.slice(0, 39)}…` : text}"`;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
  return JSON.stringify(value);
}
