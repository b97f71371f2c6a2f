/** A problem of one row of a CSV file (or one of its cells), as an import reports it. */
export interface ImportRowError {
  /** Physical line of the file where the row starts; the header is line 1. */
  line: number;
  /** The header name of the offending column, as the file spells it. */
  column?: string;
  /** The offending value, cut to MAX_ERROR_VALUE_CHARS characters (src/contacts/importReport.ts). */
  value?: string;
  reason: string;
}
