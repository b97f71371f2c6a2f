/** What an import did: every data row is counted once as inserted, updated or rejected. */
export interface ImportReport {
  /** Data rows read (the header, blank lines and rows of only empty cells are not rows). */
  rows: number;
  inserted: number;
  /** Rows that changed an existing record, including a later row repeating a phone/id of the same file. */
  updated: number;
  rejected: number;
  /** The problems of rejected rows in line order; a row may have several (one per bad cell). */
  errors: ImportRowError[];
  /** True when more than MAX_REPORTED_ERRORS problems were found and only the first were kept. */
  errorsTruncated: boolean;
}

export interface ImportRowError {
  /** Physical line of the file where the row starts; the header is line 1. */
  line: number;
  /** The header name of the offending column, as the file spells it. */
  column?: string;
  /** The offending value, cut to MAX_ERROR_VALUE_CHARS characters. */
  value?: string;
  reason: string;
}

/** Keeps a report of a million bad rows small; `rejected` still counts them all. */
export const MAX_REPORTED_ERRORS = 1000;
export const MAX_ERROR_VALUE_CHARS = 100;

/** Accumulates an ImportReport while rows stream past. */
export class ImportReportBuilder {
  private readonly report: ImportReport = {
    rows: 0,
    inserted: 0,
    updated: 0,
    rejected: 0,
    errors: [],
    errorsTruncated: false,
  };

  get rows(): number {
    return this.report.rows;
  }

  /** A row was read; it is accounted for later as accepted (inserted/updated) or rejected. */
  countRow(): void {
    this.report.rows++;
  }

  reject(errors: readonly ImportRowError[]): void {
    this.report.rejected++;
    for (const error of errors) {
      if (this.report.errors.length >= MAX_REPORTED_ERRORS) {
        this.report.errorsTruncated = true;
        return;
      }
      this.report.errors.push(withShortValue(error));
    }
  }

  accept(counts: { inserted: number; updated: number }): void {
    this.report.inserted += counts.inserted;
    this.report.updated += counts.updated;
  }

  build(): ImportReport {
    return { ...this.report, errors: [...this.report.errors] };
  }
}

/** A value cut to MAX_ERROR_VALUE_CHARS characters (code points, so no half emoji), ending in … when cut. */
export function shortValue(value: string): string {
  // A code point is at most two UTF-16 units, so this slice holds enough of them without splitting a huge cell.
  const head = Array.from(value.slice(0, 2 * MAX_ERROR_VALUE_CHARS + 2));
  if (head.length <= MAX_ERROR_VALUE_CHARS && head.join('').length === value.length) return value;
  return `${head.slice(0, MAX_ERROR_VALUE_CHARS - 1).join('')}…`;
}

function withShortValue(error: ImportRowError): ImportRowError {
  return error.value === undefined ? error : { ...error, value: shortValue(error.value) };
}
