import { wallClockAt } from './timeZones.js';

/**
 * Formats an instant in a time zone and locale with a small CLDR-style pattern:
 * yyyy yy · M MM MMM MMMM · d dd · EEE EEEE · H HH · mm · ss · 'quoted text' ('' for a quote).
 * Anything else is copied as is. Month names follow the grammar of the pattern: with a day in the
 * pattern Russian takes the genitive ("27 ноября"), without it the nominative ("ноябрь 2026").
 */
const TOKEN = /'((?:[^']|'')*)'|yyyy|yy|MMMM|MMM|MM|M|dd|d|EEEE|EEE|HH|H|mm|ss/g;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(
  locale: string,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, cached);
  }
  return cached;
}

function monthName(
  instant: Date,
  locale: string,
  timeZone: string,
  width: 'long' | 'short',
  withDay: boolean,
): string {
  if (!withDay) return formatter(locale, timeZone, { month: width }).format(instant);
  const parts = formatter(locale, timeZone, { day: 'numeric', month: width }).formatToParts(instant);
  return parts.find((part) => part.type === 'month')?.value ?? '';
}

function weekdayName(instant: Date, locale: string, timeZone: string, width: 'long' | 'short'): string {
  return formatter(locale, timeZone, { weekday: width }).format(instant);
}

const pad = (value: number, length = 2) => String(value).padStart(length, '0');

export function formatInstant(instant: Date, pattern: string, timeZone: string, locale: string): string {
  const wall = wallClockAt(instant.getTime(), timeZone);
  const withDay = pattern.replace(/'(?:[^']|'')*'/g, '').includes('d');
  return pattern.replace(TOKEN, (token, quoted: string | undefined) => {
    if (quoted !== undefined) return quoted === '' ? "'" : quoted.replaceAll("''", "'");
    switch (token) {
      case 'yyyy':
        return String(wall.year);
      case 'yy':
        return pad(wall.year % 100);
      case 'MMMM':
        return monthName(instant, locale, timeZone, 'long', withDay);
      case 'MMM':
        return monthName(instant, locale, timeZone, 'short', withDay);
      case 'MM':
        return pad(wall.month);
      case 'M':
        return String(wall.month);
      case 'dd':
        return pad(wall.day);
      case 'd':
        return String(wall.day);
      case 'EEEE':
        return weekdayName(instant, locale, timeZone, 'long');
      case 'EEE':
        return weekdayName(instant, locale, timeZone, 'short');
      case 'HH':
        return pad(wall.hour);
      case 'H':
        return String(wall.hour);
      case 'mm':
        return pad(wall.minute);
      case 'ss':
        return pad(wall.second);
      default:
        return token;
    }
  });
}
