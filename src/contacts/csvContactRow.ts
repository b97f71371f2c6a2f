import { attributeCells, type CsvColumnSpec, type CsvColumns } from '../csv/csvHeader.js';
import { normalisePhone, type PhoneRegion } from '../phones/phone.js';
import { instantOf, readDateText } from '../time/dateText.js';
import { readTimeZone } from '../time/zoneNames.js';
import type { RowResult } from './csvImport.js';
import type { ImportRowError } from './importReport.js';

export type ContactColumn = 'phone' | 'name' | 'timezone' | 'opted_in' | 'opt_in_source';

export const CONTACT_COLUMNS: CsvColumnSpec<ContactColumn> = {
  required: ['phone'],
  optional: ['name', 'timezone', 'opted_in', 'opt_in_source'],
};

/** Where consent recorded by an import came from when the file has no opt_in_source. */
export const DEFAULT_OPT_IN_SOURCE = 'csv_import';

/** One valid contact row. `null` means the file says nothing about that field: the stored value stays. */
export interface ContactImportRow {
  phone: string;
  name: string | null;
  timezone: string | null;
  /** Consent the row records; null when it records none (empty cell, false, no, 0, or unreadable). */
  optedInAt: Date | null;
  /** Set exactly when optedInAt is. */
  optInSource: string | null;
  /**
   * The row says no (`false`, `нет`, `0`…): a recorded consent is withdrawn, on this source's word
   * (opt_in_source, else csv_import). Null when it says nothing of the kind (an empty cell keeps consent).
   */
  withdrawsConsent: string | null;
  attributes: Record<string, string>;
}

export interface ContactRowContext {
  now: Date;
  /** DEFAULT_PHONE_REGION: where a phone without its country code is read. */
  phoneRegion: PhoneRegion;
  /** DEFAULT_TIMEZONE: where a consent date without an offset is read when the row names no zone. */
  defaultTimezone: string;
}

/**
 * Reads one data row of the contacts CSV format. Only the phone can reject the row; a time zone or a
 * consent that cannot be read is left out with a warning, and the contact kept (without that zone,
 * and without consent: consent is never assumed).
 */
export function readContactRow(
  row: { line: number; cells: readonly string[] },
  columns: CsvColumns<ContactColumn>,
  context: ContactRowContext,
): RowResult<ContactImportRow> {
  const { line, cells } = row;
  const warnings: ImportRowError[] = [];
  const cell = (column: ContactColumn) => {
    const index = columns.known[column];
    return index === undefined ? '' : (cells[index] ?? '');
  };
  const problem = (column: ContactColumn, reason: string): ImportRowError => {
    const name = columns.names[columns.known[column]!] ?? column;
    const value = cell(column);
    return value === '' ? { line, column: name, reason } : { line, column: name, value, reason };
  };

  const phone = normalisePhone(cell('phone'), { region: context.phoneRegion });
  if (!phone.ok) return { ok: false, errors: [problem('phone', phone.message)] };
  if (phone.note) warnings.push(problem('phone', phone.note));

  let timezone: string | null = null;
  if (cell('timezone') !== '') {
    const zone = readTimeZone(cell('timezone'));
    if (zone.ok) timezone = zone.zone;
    else warnings.push(problem('timezone', `${zone.reason}: the cell was left out`));
  }

  const consent = readConsent(cell('opted_in'), context.now, timezone ?? context.defaultTimezone);
  if (!consent.ok) warnings.push(problem('opted_in', `${consent.reason}: no consent recorded`));
  const optedInAt = consent.ok ? consent.at : null;
  const source = cell('opt_in_source') || DEFAULT_OPT_IN_SOURCE;
  return {
    ok: true,
    value: {
      phone: phone.digits,
      name: cell('name') || null,
      timezone,
      optedInAt,
      optInSource: optedInAt === null ? null : source,
      withdrawsConsent: consent.ok && consent.withdrawn ? source : null,
      attributes: attributeCells(cells, columns),
    },
    warnings,
  };
}

/** Consent given, in the words and marks spreadsheets use (`да`, `Yes`, `1`, `+`). */
const YES = new Set(['true', 'yes', 'y', '1', '+', 'on', 'да', 'д', '✓', '✔']);
const NO = new Set(['false', 'no', 'n', '0', '-', 'off', 'нет', 'н']);

/**
 * The `opted_in` cell: yes-words mean consent given now; a date or time (ISO, or day.month.year) is
 * when it was given, read in `timeZone` when it has no offset, and not in the future; a no-word
 * records none and withdraws one recorded (`withdrawn`); an empty cell says nothing. Anything else
 * cannot be read, which records no consent and withdraws nothing.
 */
export function readConsent(
  text: string,
  now: Date,
  timeZone: string,
): { ok: true; at: Date | null; withdrawn?: true } | { ok: false; reason: string } {
  const word = text.trim().toLowerCase();
  if (word === '') return { ok: true, at: null };
  if (NO.has(word)) return { ok: true, at: null, withdrawn: true };
  if (YES.has(word)) return { ok: true, at: now };
  const reading = readDateText(text);
  if (!reading.ok) {
    const expected = 'expected да/нет, yes/no, true/false, 1/0 or the date consent was given';
    return { ok: false, reason: /\d/.test(word) ? reading.reason : expected };
  }
  const at = instantOf(reading.value, timeZone);
  if (at.getTime() > now.getTime()) return { ok: false, reason: 'the consent time is in the future' };
  return { ok: true, at };
}
