import { isIanaTimeZone } from './timeZones.js';

/**
 * Time zones as people write them in spreadsheets: IANA names in any case (`europe/moscow`), the
 * abbreviations and "Moscow time plus N" notation used in Russia and Kazakhstan (`MSK`, `МСК+2`,
 * `YEKT`), city names (`Moscow`, `Москва`) and whole-hour UTC offsets (`UTC+3`, `+03:00`), each read
 * as the IANA zone the engine stores. Abbreviations are a short list of our market's, not the world's:
 * most abbreviations elsewhere (CST, IST) name several zones, and a guess would move a send window.
 */
export type ZoneReading = { ok: true; zone: string } | { ok: false; reason: string };

/** Russia's zones by their distance from Moscow time (МСК+N), and their abbreviations. */
const MOSCOW_PLUS: Readonly<Record<string, string>> = {
  '-1': 'Europe/Kaliningrad',
  '0': 'Europe/Moscow',
  '1': 'Europe/Samara',
  '2': 'Asia/Yekaterinburg',
  '3': 'Asia/Omsk',
  '4': 'Asia/Krasnoyarsk',
  '5': 'Asia/Irkutsk',
  '6': 'Asia/Yakutsk',
  '7': 'Asia/Vladivostok',
  '8': 'Asia/Magadan',
  '9': 'Asia/Kamchatka',
};

const ALIASES: Readonly<Record<string, string>> = {
  utc: 'UTC',
  gmt: 'UTC',
  z: 'UTC',
  msk: 'Europe/Moscow',
  мск: 'Europe/Moscow',
  samt: 'Europe/Samara',
  yekt: 'Asia/Yekaterinburg',
  omst: 'Asia/Omsk',
  novt: 'Asia/Novosibirsk',
  krat: 'Asia/Krasnoyarsk',
  irkt: 'Asia/Irkutsk',
  yakt: 'Asia/Yakutsk',
  vlat: 'Asia/Vladivostok',
  magt: 'Asia/Magadan',
  pett: 'Asia/Kamchatka',
  almt: 'Asia/Almaty',
  // Cities whose zone is named after another city, or written in Russian.
  москва: 'Europe/Moscow',
  'санкт-петербург': 'Europe/Moscow',
  петербург: 'Europe/Moscow',
  'saint petersburg': 'Europe/Moscow',
  'st petersburg': 'Europe/Moscow',
  калининград: 'Europe/Kaliningrad',
  самара: 'Europe/Samara',
  екатеринбург: 'Asia/Yekaterinburg',
  омск: 'Asia/Omsk',
  новосибирск: 'Asia/Novosibirsk',
  красноярск: 'Asia/Krasnoyarsk',
  иркутск: 'Asia/Irkutsk',
  якутск: 'Asia/Yakutsk',
  владивосток: 'Asia/Vladivostok',
  магадан: 'Asia/Magadan',
  камчатка: 'Asia/Kamchatka',
  'петропавловск-камчатский': 'Asia/Kamchatka',
  алматы: 'Asia/Almaty',
  астана: 'Asia/Almaty',
  astana: 'Asia/Almaty',
  минск: 'Europe/Minsk',
  ташкент: 'Asia/Tashkent',
  тбилиси: 'Asia/Tbilisi',
  ереван: 'Asia/Yerevan',
  баку: 'Asia/Baku',
  бишкек: 'Asia/Bishkek',
};

const MOSCOW_PLUS_TEXT = /^(?:msk|мск)\s*([+-−])\s*(\d{1,2})$/;
const UTC_OFFSET_TEXT = /^(?:(?:utc|gmt)\s*)?([+-−])\s*(\d{1,2})(?::?(\d{2}))?$/;

let citiesByName: Map<string, string> | undefined;

/** IANA zones by their city (`moscow`, `new york`), where only one zone has that city's name. */
function cityZones(): Map<string, string> {
  if (citiesByName) return citiesByName;
  const counts = new Map<string, string | null>();
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const city = zone.split('/').pop()?.replace(/_/g, ' ').toLowerCase();
    if (!city) continue;
    counts.set(city, counts.has(city) ? null : zone);
  }
  citiesByName = new Map([...counts].filter((entry): entry is [string, string] => entry[1] !== null));
  return citiesByName;
}

/** The IANA zone a cell names, or why it names none. An empty cell is not a zone: check for it first. */
export function readTimeZone(text: string): ZoneReading {
  const written = text.trim();
  const canonical = canonicalZone(written);
  if (canonical) return { ok: true, zone: canonical };
  const key = written.toLowerCase().replace(/\s+/g, ' ');
  const alias = ALIASES[key] ?? cityZones().get(key.replace(/_/g, ' '));
  if (alias) return { ok: true, zone: alias };

  const moscow = MOSCOW_PLUS_TEXT.exec(key);
  if (moscow) {
    const hours = `${moscow[1] === '+' ? '' : '-'}${Number(moscow[2])}`.replace(/^-0$/, '0');
    const zone = MOSCOW_PLUS[hours];
    if (zone) return { ok: true, zone };
    return { ok: false, reason: `no Russian time zone is ${written}` };
  }
  const offset = UTC_OFFSET_TEXT.exec(key);
  if (offset) {
    const hours = Number(offset[2]);
    const minutes = Number(offset[3] ?? '0');
    if (minutes !== 0 || hours > 14) {
      return {
        ok: false,
        reason: `${written} is not a whole-hour UTC offset; name the zone, e.g. Asia/Kolkata`,
      };
    }
    if (hours === 0) return { ok: true, zone: 'UTC' };
    // IANA's fixed-offset zones count the other way round: Etc/GMT-3 is three hours ahead of UTC.
    return { ok: true, zone: `Etc/GMT${offset[1] === '+' ? '-' : '+'}${hours}` };
  }
  return {
    ok: false,
    reason: 'not a time zone: expected an IANA name such as Europe/Moscow, MSK/МСК+N, a city or UTC+3',
  };
}

/** Names already looked up: a file names a handful of zones over and over. */
const canonicalNames = new Map<string, string | null>();
const MAX_REMEMBERED = 1000;

/** An IANA name written in any case, as the platform spells it (`europe/moscow` → `Europe/Moscow`). */
function canonicalZone(name: string): string | null {
  const remembered = canonicalNames.get(name);
  if (remembered !== undefined) return remembered;
  let canonical: string | null = null;
  if (isIanaTimeZone(name)) {
    try {
      canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      canonical = null;
    }
  }
  if (canonicalNames.size >= MAX_REMEMBERED) canonicalNames.clear();
  canonicalNames.set(name, canonical);
  return canonical;
}
