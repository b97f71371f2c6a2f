import type { ImportRowError } from '../csv/importRowError.js';

/**
 * What an import did: every data row is counted once as inserted, updated or rejected; a kept row
 * may also carry warnings (a cell dropped, a value read with a note) or repeat the key of an earlier
 * row. The lists here hold the first MAX_REPORTED_ISSUES of each kind and say when there were more;
 * the import's record (`importId`) keeps every one, and every rejected row as it was read.
 */
export interface ImportReport {
  /** The import's record: GET /api/v1/imports/<id>, its issues and its rejected rows. */
  importId: number;
  /** Data rows read (the header, blank lines and rows of only empty cells are not rows). */
  rows: number;
  inserted: number;
  /** Rows that changed an existing record, including a later row repeating a phone/id of the same file. */
  updated: number;
  rejected: number;
  /** Rows imported with at least one warning. */
  warned: number;
  /** Rows whose key (phone, external id) an earlier row of the file had: applied after it, by `repeatRule`. */
  repeated: number;
  /** What a repeated key does, in words. */
  repeatRule: string;
  /** Contacts whose recorded consent an explicit `opted_in=false` took back (their pending broadcasts skipped). */
  consentWithdrawn: number;
  /** The problems of rejected rows in line order; a row may have several (one per bad cell). */
  errors: ImportRowError[];
  errorsTruncated: boolean;
  /** Cells dropped and values read with a note, on rows that were imported. */
  warnings: ImportRowError[];
  warningsTruncated: boolean;
  repeats: ImportRepeat[];
  repeatsTruncated: boolean;
}

export type ImportCounts = Pick<
  ImportReport,
  'rows' | 'inserted' | 'updated' | 'rejected' | 'warned' | 'repeated' | 'consentWithdrawn'
>;

export type { ImportRowError };

/** A row whose key an earlier row of the same file had. */
export interface ImportRepeat {
  line: number;
  /** The phone (E.164 digits) or external id. */
  key: string;
  /** The latest earlier line with that key. */
  earlierLine: number;
}

/** How many problems of each kind a report lists; the counts and the import's record cover all. */
export const MAX_REPORTED_ISSUES = 1000;
export const MAX_ERROR_VALUE_CHARS = 100;

/** Accumulates an ImportReport while rows stream past. */
export class ImportReportBuilder {
  private readonly report: ImportReport;

  constructor(importId: number, repeatRule: string) {
    this.report = {
      importId,
      rows: 0,
      inserted: 0,
      updated: 0,
      rejected: 0,
      warned: 0,
      repeated: 0,
      repeatRule,
      consentWithdrawn: 0,
      errors: [],
      errorsTruncated: false,
      warnings: [],
      warningsTruncated: false,
      repeats: [],
      repeatsTruncated: false,
    };
  }

  get rows(): number {
    return this.report.rows;
  }

  counts(): ImportCounts {
    const { rows, inserted, updated, rejected, warned, repeated, consentWithdrawn } = this.report;
    return { rows, inserted, updated, rejected, warned, repeated, consentWithdrawn };
  }

  /** A row was read; it is accounted for later as accepted (inserted/updated) or rejected. */
  countRow(): void {
    this.report.rows++;
  }

  reject(errors: readonly ImportRowError[]): void {
    this.report.rejected++;
    this.report.errorsTruncated =
      keep(this.report.errors, errors.map(withShortValue)) || this.report.errorsTruncated;
  }

  warn(warnings: readonly ImportRowError[]): void {
    if (warnings.length === 0) return;
    this.report.warned++;
    this.report.warningsTruncated =
      keep(this.report.warnings, warnings.map(withShortValue)) || this.report.warningsTruncated;
  }

  repeat(repeats: readonly ImportRepeat[]): void {
    this.report.repeated += repeats.length;
    this.report.repeatsTruncated = keep(this.report.repeats, repeats) || this.report.repeatsTruncated;
  }

  accept(counts: { inserted: number; updated: number; consentWithdrawn?: number }): void {
    this.report.inserted += counts.inserted;
    this.report.updated += counts.updated;
    this.report.consentWithdrawn += counts.consentWithdrawn ?? 0;
  }

  build(): ImportReport {
    return {
      ...this.report,
      errors: [...this.report.errors],
      warnings: [...this.report.warnings],
      repeats: [...this.report.repeats].sort((a, b) => a.line - b.line),
    };
  }
}

/** Appends what fits under MAX_REPORTED_ISSUES; true when something did not. */
function keep<T>(list: T[], items: readonly T[]): boolean {
  const room = MAX_REPORTED_ISSUES - list.length;
  list.push(...items.slice(0, Math.max(0, room)));
  return items.length > room;
}

/** A value cut to MAX_ERROR_VALUE_CHARS characters (code points, so no half emoji), ending in … when cut. */
export function shortValue(value: string): string {
  // A code point is at most two UTF-16 units, so this slice holds enough of them without splitting a huge cell.
  const head = Array.from(value.slice(0, 2 * MAX_ERROR_VALUE_CHARS + 2));
  if (head.length <= MAX_ERROR_VALUE_CHARS && head.join('').length === value.length) return value;
  return `${head.slice(0, MAX_ERROR_VALUE_CHARS - 1).join('')}…`;
}

export function withShortValue(error: ImportRowError): ImportRowError {
  return error.value === undefined ? error : { ...error, value: shortValue(error.value) };
}
