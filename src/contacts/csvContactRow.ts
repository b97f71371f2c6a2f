import { isIanaTimeZone, parseIsoWithOffset } from '../campaigns/timeZones.js';
import { attributeCells, type CsvColumnSpec, type CsvColumns } from './csvHeader.js';
import type { RowResult } from './csvImport.js';
import type { ImportRowError } from './importReport.js';
import { normalisePhone } from './phone.js';

export type ContactColumn = 'phone' | 'name' | 'timezone' | 'opted_in' | 'opt_in_source';

export const CONTACT_COLUMNS: CsvColumnSpec<ContactColumn> = {
  required: ['phone'],
  optional: ['name', 'timezone', 'opted_in', 'opt_in_source'],
};

/** Where consent recorded by an import came from when the file has no opt_in_source. */
export const DEFAULT_OPT_IN_SOURCE = 'csv_import';

/** One valid contact row. `null` means the file says nothing about that field: the stored value stays. */
export interface ContactImportRow {
  line: number;
  phone: string;
  name: string | null;
  timezone: string | null;
  /** Consent the row records; null when it records none (empty cell, false, no, 0). */
  optedInAt: Date | null;
  /** Set exactly when optedInAt is. */
  optInSource: string | null;
  attributes: Record<string, string>;
}

/** Validates one data row against the contacts CSV format, collecting every problem it has. */
export function readContactRow(
  row: { line: number; cells: readonly string[] },
  columns: CsvColumns<ContactColumn>,
  now: Date,
): RowResult<ContactImportRow> {
  const { line, cells } = row;
  const errors: ImportRowError[] = [];
  const cell = (column: ContactColumn) => {
    const index = columns.known[column];
    return index === undefined ? '' : (cells[index] ?? '');
  };
  const fail = (column: ContactColumn, value: string, reason: string) => {
    const name = columns.names[columns.known[column]!] ?? column;
    errors.push(value === '' ? { line, column: name, reason } : { line, column: name, value, reason });
  };

  const phone = normalisePhone(cell('phone'));
  if (!phone.ok) fail('phone', cell('phone'), phone.message);

  const timezone = cell('timezone');
  if (timezone !== '' && !isIanaTimeZone(timezone)) {
    fail('timezone', timezone, 'not an IANA time zone name such as Europe/Moscow');
  }

  const consent = readConsent(cell('opted_in'), now);
  if (!consent.ok) fail('opted_in', cell('opted_in'), consent.reason);

  if (!phone.ok || !consent.ok || errors.length > 0) return { ok: false, errors };
  const optedInAt = consent.at;
  return {
    ok: true,
    value: {
      line,
      phone: phone.digits,
      name: cell('name') || null,
      timezone: timezone || null,
      optedInAt,
      optInSource: optedInAt === null ? null : cell('opt_in_source') || DEFAULT_OPT_IN_SOURCE,
      attributes: attributeCells(cells, columns),
    },
  };
}

const YES = new Set(['true', 'yes', '1']);
const NO = new Set(['false', 'no', '0']);

/**
 * The `opted_in` cell: yes-words mean consent given now; an ISO time with an offset is when it was
 * given (not in the future); no-words and an empty cell record no consent.
 */
export function readConsent(
  text: string,
  now: Date,
): { ok: true; at: Date | null } | { ok: false; reason: string } {
  const word = text.trim().toLowerCase();
  if (word === '' || NO.has(word)) return { ok: true, at: null };
  if (YES.has(word)) return { ok: true, at: now };
  const at = parseIsoWithOffset(text);
  if (at === 'no_offset') {
    return { ok: false, reason: 'a consent time needs its UTC offset, e.g. 2026-03-01T10:00:00+03:00' };
  }
  if (at === null) {
    return { ok: false, reason: 'expected true/false, yes/no, 1/0 or the ISO time consent was given' };
  }
  if (at.getTime() > now.getTime()) return { ok: false, reason: 'the consent time is in the future' };
  return { ok: true, at };
}
