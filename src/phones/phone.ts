import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
  type PhoneNumber,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';

/**
 * Phone numbers as people write them, read through libphonenumber-js (Google's numbering plans, with
 * the full metadata: a number must be in a range that is in use, not merely of a plausible length)
 * and stored as E.164 digits without the `+`, which is what Chat2Desk takes.
 */

/** A region whose national numbers are read without a country code (DEFAULT_PHONE_REGION). */
export type PhoneRegion = CountryCode;

export const DEFAULT_PHONE_REGION: PhoneRegion = 'RU';

/** Why a phone was refused, for per-row error reports. */
export type PhoneProblem =
  | 'empty'
  | 'invalid_characters'
  | 'too_short'
  | 'too_long'
  | 'invalid_country_code'
  | 'invalid_number';

export type NormalisedPhone =
  /** `note`: the number could also be read another way; it says which reading was taken. */
  { ok: true; digits: string; note?: string } | { ok: false; problem: PhoneProblem; message: string };

export interface PhoneReading {
  /** Where a number written without its country code is read (`916 123-45-67` in RU is +7). */
  region: PhoneRegion;
  /**
   * The number comes from Chat2Desk, which gives digits with the country code: read it that way
   * first, and nationally only when that is not a valid number.
   */
  international?: boolean;
}

/** A country code, as configured (`ru` → `RU`), or null when libphonenumber-js has no plan for it. */
export function phoneRegion(code: string): PhoneRegion | null {
  const upper = code.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : null;
}

/** Spaces of every width, soft hyphens and direction marks that spreadsheets and phones paste in. */
const INVISIBLE = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060\uFEFF]/g;
const SPACES = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;
/** Hyphens, en and em dashes, minus signs: all read as the dash they stand for. */
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;
const PHONE_TEXT = /^\+?[\d\s\-().]+$/;

/**
 * A phone as people write it (`8 (916) 123-45-67`, `+7 916 123 45 67`, `9161234567`,
 * `0049 30 1234567`) as E.164 digits (`79161234567`), or why it cannot be a phone. A `+` or a leading
 * `00` means the country code follows; without them the number is read in the region first (its
 * trunk prefix, e.g. Russia's 8, understood) and, when that is not a valid number, as digits that
 * start with their country code. When both readings are valid and differ, the region's wins and
 * `note` says so.
 */
export function normalisePhone(raw: string | null | undefined, reading: PhoneReading): NormalisedPhone {
  const text = (raw ?? '').replace(INVISIBLE, '').replace(SPACES, ' ').replace(DASHES, '-').trim();
  if (text === '') return refuse('empty', 'the phone is empty');
  if (!PHONE_TEXT.test(text)) {
    return refuse(
      'invalid_characters',
      'a phone may hold only digits, spaces, dashes, dots, brackets and a leading +',
    );
  }
  const digits = text.replace(/\D/g, '');
  if (digits === '') return refuse('empty', 'the phone has no digits');
  if (text.startsWith('+')) return onlyReading(international(digits));
  if (digits.startsWith('00')) return onlyReading(international(digits.slice(2)));

  const startsWithCode = digits.startsWith(getCountryCallingCode(reading.region));
  const national = nationalReading(digits, reading.region);
  // Digits that start with the region's own code and read as a number of it are that number either
  // way (79161234567 is +7 916…): the second reading, a parse of its own, is spared.
  if (national.valid && startsWithCode && national.digits === digits) return { ok: true, digits };
  const withCode = international(digits);
  const [first, second] = reading.international ? [withCode, national] : [national, withCode];
  if (first.valid) {
    if (!second.valid || second.digits === first.digits) return { ok: true, digits: first.digits };
    return { ok: true, digits: first.digits, note: ambiguityNote(first, second) };
  }
  if (second.valid) return { ok: true, digits: second.digits };
  // Explain the reading the writer most likely meant: with the country code when the digits start
  // with the region's, else nationally.
  return onlyReading(startsWithCode && withCode.problem !== 'invalid_country_code' ? withCode : national);
}

/**
 * E.164 digits (as stored) that make a number in use: what the engine checks right before it
 * messages a contact, so a number stored by an older version, or written to the table by hand, is
 * never sent to a foreign country by accident.
 */
export function isValidE164Digits(digits: string): boolean {
  return /^[1-9]\d{6,14}$/.test(digits) && international(digits).valid;
}

interface Reading {
  valid: boolean;
  digits: string;
  /** How the reading came about, for a note or a refusal: "as a number of Russia (+7)". */
  label(): string;
  problem: PhoneProblem | undefined;
  explanation: string;
}

function international(digits: string): Reading {
  const phone = parsePhoneNumberFromString(`+${digits}`);
  const code = phone?.countryCallingCode;
  const label = () =>
    code ? `with its country code (+${code}, ${countriesOf(code)})` : 'with a country code';
  return judge(phone, `+${digits}`, undefined, label);
}

function nationalReading(digits: string, region: PhoneRegion): Reading {
  const phone = parsePhoneNumberFromString(digits, region);
  const label = () => `as a number of ${countryName(region)} (+${getCountryCallingCode(region)})`;
  return judge(phone, digits, region, label);
}

/** A reading's verdict; the words of a refusal are made only for a number that is refused. */
function judge(
  phone: PhoneNumber | undefined,
  text: string,
  region: PhoneRegion | undefined,
  label: () => string,
): Reading {
  const digits = phone ? phone.number.slice(1) : '';
  if (phone?.isValid()) {
    return { valid: true, digits, label, problem: undefined, explanation: '' };
  }
  const length = validatePhoneNumberLength(text, region);
  const written = phone ? phone.formatInternational() : text;
  const shown = written.length > 24 ? `${written.slice(0, 23)}…` : written;
  if (length === 'INVALID_COUNTRY' || (!phone && region === undefined)) {
    const code = text.replace(/\D/g, '').slice(0, 3);
    return invalid('invalid_country_code', `+${code}… does not start with a country code in use`);
  }
  if (length === 'TOO_SHORT' || length === 'NOT_A_NUMBER') {
    return invalid('too_short', `${label()} it has too few digits (${shown})`);
  }
  if (length === 'TOO_LONG') return invalid('too_long', `${label()} it has too many digits (${shown})`);
  if (length === 'INVALID_LENGTH') {
    return invalid('invalid_number', `${label()} it has a number of digits no phone there has (${shown})`);
  }
  return invalid('invalid_number', `${label()} it is ${shown}, which is not in use`);

  function invalid(problem: PhoneProblem, explanation: string): Reading {
    return { valid: false, digits, label, problem, explanation };
  }
}

function ambiguityNote(taken: Reading, other: Reading): string {
  return `read ${taken.label()} as +${taken.digits}; ${other.label()} it would be +${other.digits}: write it with + to mean that`;
}

function onlyReading(reading: Reading): NormalisedPhone {
  return reading.valid
    ? { ok: true, digits: reading.digits }
    : refuse(reading.problem ?? 'invalid_number', `not a phone number: ${reading.explanation}`);
}

function refuse(problem: PhoneProblem, message: string): NormalisedPhone {
  return { ok: false, problem, message };
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(region: string): string {
  try {
    return regionNames.of(region) ?? region;
  } catch {
    return region;
  }
}

const countriesByCode = new Map<string, string>();

/** "Russia, Kazakhstan" for 7: the countries that share a calling code. */
function countriesOf(callingCode: string): string {
  let names = countriesByCode.get(callingCode);
  if (names === undefined) {
    const regions = getCountries().filter((c) => getCountryCallingCode(c) === callingCode);
    names =
      regions.length > 3
        ? `${regions.slice(0, 3).map(countryName).join(', ')}…`
        : regions.map(countryName).join(', ');
    countriesByCode.set(callingCode, names);
  }
  return names;
}

/**
 * A phone the engine will message: 10 to 15 digits with the country code, not starting with 0.
 * 15 is the E.164 maximum; fewer than 10 digits cannot be a mobile number with its country code in
 * Chat2Desk's markets (Russia and Kazakhstan have 11, the CIS 12); a leading 0 is a national trunk
 * prefix, i.e. the country code is missing. The contacts table already holds digits only (7–15).
 */
export const DIALLABLE_PHONE_PATTERN = '^[1-9][0-9]{9,14}$';
