import { parse, validateDetailed } from 'node-cron';
import { daysInMonth } from './timeZones.js';

/**
 * A cron expression in node-cron's grammar (5 fields, or 6 with seconds first; names such as MON and
 * JAN, ranges, steps, lists, `L`, `W`, `#`, nicknames such as @daily). node-cron parses it, so what
 * validation accepts is exactly what runs; matching is ours, because node-cron's own next-run
 * computation reads the system clock and resolves fall-back overlaps to the later instant in zones
 * east of UTC. Day of month and day of week must BOTH match, as in node-cron (not Vixie cron's OR).
 */
export interface CronPattern {
  expression: string;
  /** Ascending. */
  seconds: readonly number[];
  minutes: readonly number[];
  hours: readonly number[];
  months: ReadonlySet<number>;
  /** Numbers, or node-cron's tokens `L`, `L-3`, `15W`, `LW`. */
  daysOfMonth: readonly (number | string)[];
  /** 0 = Sunday, or node-cron's tokens `5L` (last Friday), `1#2` (second Monday). */
  daysOfWeek: readonly (number | string)[];
}

/** Why node-cron rejects the expression, or null when it is valid. */
export function cronProblem(expression: string): string | null {
  const result = validateDetailed(expression);
  if (result.valid) return null;
  // node-cron words field errors as "61 is a invalid expression for minute"; others are kept as they are.
  return result.errors
    .map((error) =>
      error.value !== undefined && error.message.includes('is a invalid expression')
        ? `invalid ${fieldLabel(error.field)} field "${error.value}"`
        : error.message,
    )
    .join(', ');
}

function fieldLabel(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);
}

/**
 * How the expression fires more often than once a minute (`fires 60 times a minute (seconds field
 * "*")`), or null; validate with cronProblem first. With six fields the first is seconds.
 */
export function cronSubMinuteFiring(expression: string): string | null {
  const seconds = compileCron(expression).seconds;
  if (seconds.length <= 1) return null;
  const field = expression.trim().split(/\s+/)[0];
  return `fires ${seconds.length} times a minute (seconds field "${field}")`;
}

const compiled = new Map<string, CronPattern>();

/** Throws node-cron's error for an invalid expression; validate with cronProblem first. */
export function compileCron(expression: string): CronPattern {
  let pattern = compiled.get(expression);
  if (!pattern) {
    const fields = parse(expression);
    pattern = {
      expression,
      seconds: ascending(fields.second),
      minutes: ascending(fields.minute),
      hours: ascending(fields.hour),
      months: new Set(fields.month),
      daysOfMonth: fields.dayOfMonth,
      daysOfWeek: fields.dayOfWeek,
    };
    compiled.set(expression, pattern);
  }
  return pattern;
}

function ascending(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Whether the calendar date (month 1-12) is one the pattern fires on. */
export function cronMatchesDay(pattern: CronPattern, year: number, month: number, day: number): boolean {
  return (
    pattern.months.has(month) &&
    matchesDayOfMonth(pattern.daysOfMonth, year, month, day) &&
    matchesDayOfWeek(pattern.daysOfWeek, year, month, day)
  );
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday (Mon-Fri) nearest to `target` without leaving the month, as Quartz's `W`. */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  if (target < 1 || target > last) return -1;
  const weekday = weekdayOf(year, month, target);
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDayOfMonth(
  field: readonly (number | string)[],
  year: number,
  month: number,
  day: number,
): boolean {
  const last = daysInMonth(year, month);
  return field.some((value) => {
    if (typeof value === 'number') return value === day;
    if (value === 'L') return day === last;
    const nearest = /^(\d{1,2}|L)W$/i.exec(value);
    if (nearest?.[1])
      return nearestWeekday(year, month, nearest[1] === 'L' ? last : Number(nearest[1])) === day;
    const fromLast = /^L-(\d{1,2})$/i.exec(value);
    if (fromLast?.[1]) return last - Number(fromLast[1]) === day;
    return false;
  });
}

function matchesDayOfWeek(
  field: readonly (number | string)[],
  year: number,
  month: number,
  day: number,
): boolean {
  const weekday = weekdayOf(year, month, day);
  return field.some((value) => {
    if (typeof value === 'number') return value % 7 === weekday;
    const nth = /^([0-7])#([1-5])$/.exec(value);
    if (nth) return Number(nth[1]) % 7 === weekday && Math.floor((day - 1) / 7) + 1 === Number(nth[2]);
    const lastOfMonth = /^([0-7])L$/i.exec(value);
    if (lastOfMonth) return Number(lastOfMonth[1]) % 7 === weekday && day + 7 > daysInMonth(year, month);
    return false;
  });
}
