import { BroadcasterError } from '../errors.js';

export type CsvImportErrorCode =
  | 'csv_empty'
  | 'csv_encoding'
  | 'csv_header_unreadable'
  | 'csv_missing_column'
  | 'csv_duplicate_column'
  | 'csv_too_many_columns'
  | 'csv_invalid_option';

/**
 * A CSV file that cannot be imported at all: nothing was written. Raised before the first batch, so
 * a caller can answer 4xx/exit non-zero; problems in single rows go into the ImportReport instead.
 * `line` is the physical line of the file (1 = the first); `column` names the header column.
 */
export class CsvImportError extends BroadcasterError {
  readonly line: number | undefined;
  readonly column: string | undefined;

  constructor(
    code: CsvImportErrorCode,
    message: string,
    where: { line?: number; column?: string } = {},
    details: Record<string, unknown> = {},
  ) {
    super(code, message, { ...where, ...details });
    this.line = where.line;
    this.column = where.column;
  }
}
