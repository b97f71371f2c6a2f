import { isIanaTimeZone, wallClockAt } from '../../time/timeZones.js';
import { html, type SafeHtml } from './html.js';
import { readCookie } from './session.js';
import {
  isLanguage,
  type Language,
  languageOfAcceptLanguage,
  type TFunction,
  translator,
} from './translations.js';

/** The viewer's choices, kept in their browser: the language and the zone times are shown in. */
export const LANGUAGE_COOKIE = 'broadcaster_lang';
/** A zone the viewer chose in Settings. */
export const ZONE_COOKIE = 'broadcaster_tz';
/** The browser's own zone, written by the console's script when no zone was chosen. */
export const BROWSER_ZONE_COOKIE = 'broadcaster_browser_tz';

/** Where the zone came from: chosen in Settings, the browser's (from its script), or UTC before either. */
export type ZoneSource = 'chosen' | 'browser' | 'default';

/**
 * What a page needs to speak to its viewer: their language, and their zone for every time shown
 * (UTC on hover). Built once per request from its headers.
 */
export interface Ui {
  lang: Language;
  t: TFunction;
  zone: string;
  zoneSource: ZoneSource;
  /** 1234567 → "1,234,567" / "1 234 567". */
  number(n: number): string;
  /** A time as the viewer reads it: `<time datetime="ISO" title="… UTC">` in their zone; — for none. */
  time(at: string | Date | null): SafeHtml;
  /** The calendar day (YYYY-MM-DD) an instant falls on in the viewer's zone. */
  dayOf(at: Date): string;
  /** The same, as plain text (for SVG titles and axis labels). */
  timeText(at: string | Date | number, options?: { date?: boolean; time?: boolean }): string;
}

/** A zone name as Intl spells it (`europe/moscow` → `Europe/Moscow`), or null for none Intl knows. */
export function canonicalZone(name: string | undefined): string | null {
  if (name === undefined || name.length > 64 || !isIanaTimeZone(name)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}

const numberFormats = new Map<Language, Intl.NumberFormat>();

function numberFormat(lang: Language): Intl.NumberFormat {
  let format = numberFormats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-US');
    numberFormats.set(lang, format);
  }
  return format;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 2026-11-27 10:09 (English) or 27.11.2026 10:09 (Russian), on the wall clock of `zone`. */
export function wallClockText(
  ms: number,
  zone: string,
  lang: Language,
  options: { date?: boolean; time?: boolean } = {},
): string {
  const w = wallClockAt(ms, zone);
  const date =
    lang === 'ru' ? `${pad(w.day)}.${pad(w.month)}.${w.year}` : `${w.year}-${pad(w.month)}-${pad(w.day)}`;
  const time = `${pad(w.hour)}:${pad(w.minute)}`;
  const withDate = options.date ?? true;
  const withTime = options.time ?? true;
  return [withDate ? date : '', withTime ? time : ''].filter(Boolean).join(' ');
}

function toMs(at: string | Date | number): number {
  return typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
}

/** A cookie's value, URI-decoded (zones hold `/`); undefined when absent or not decodable. */
export function cookieText(header: string | undefined, name: string): string | undefined {
  const raw = readCookie(header, name);
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** The Ui of a request: language from its cookie, else Accept-Language; zone from its cookies, else UTC. */
export function uiFor(headers: { cookie?: string | undefined; 'accept-language'?: string | undefined }): Ui {
  const chosenLanguage = readCookie(headers.cookie, LANGUAGE_COOKIE);
  const lang = isLanguage(chosenLanguage)
    ? chosenLanguage
    : languageOfAcceptLanguage(headers['accept-language']);
  const chosen = canonicalZone(cookieText(headers.cookie, ZONE_COOKIE));
  const browser = chosen === null ? canonicalZone(cookieText(headers.cookie, BROWSER_ZONE_COOKIE)) : null;
  const zone = chosen ?? browser ?? 'UTC';
  const zoneSource: ZoneSource = chosen !== null ? 'chosen' : browser !== null ? 'browser' : 'default';
  const timeText: Ui['timeText'] = (at, options) => wallClockText(toMs(at), zone, lang, options);
  return {
    lang,
    t: translator(lang),
    zone,
    zoneSource,
    number: (n) => numberFormat(lang).format(n),
    dayOf: (at) => wallClockText(at.getTime(), zone, 'en', { time: false }),
    timeText,
    time(at) {
      if (at === null) return html`—`;
      const ms = toMs(at);
      const iso = new Date(ms).toISOString();
      return html`<time datetime="${iso}" title="${wallClockText(ms, 'UTC', 'en')} UTC">${timeText(ms)}</time>`;
    },
  };
}

/** Set-Cookie for one of the viewer's choices (a year; null clears it); not a secret, but no script needs it. */
export function preferenceCookie(name: string, value: string | null, options: { secure: boolean }): string {
  const parts = [
    `${name}=${value === null ? '' : encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${value === null ? 0 : 365 * 24 * 3600}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
