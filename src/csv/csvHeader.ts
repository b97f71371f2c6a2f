import { CsvImportError } from './csvImportError.js';

/** The columns an import understands: the required ones must be in the header, the rest may be. */
export interface CsvColumnSpec<K extends string> {
  required: readonly K[];
  optional: readonly K[];
}

export interface CsvColumns<K extends string> {
  /** Index of each understood column the file has. */
  known: Partial<Record<K, number>>;
  /** Every other named column: a template attribute, keyed as the header spells it. */
  attributes: Array<{ index: number; key: string }>;
  /** Header names by index, for error reports. */
  names: string[];
}

/**
 * Columns of a rejected-rows file (importQueries.ts) that an import reads past, so that the file,
 * fixed, imports again as it is.
 */
export const REJECTED_ROW_COLUMNS = ['rejected_line', 'rejected_reason'] as const;
const READ_PAST: ReadonlySet<string> = new Set(REJECTED_ROW_COLUMNS);

/**
 * Maps a header row onto the understood columns by name: trimmed, case-insensitive, with spaces and
 * dashes read as underscores (`Opted In` is `opted_in`). Columns with an empty name (a trailing comma
 * in the header) and those of a rejected-rows file are ignored. A missing required column or a name
 * given twice refuses the file.
 */
export function mapCsvHeader<K extends string>(
  names: readonly string[],
  line: number,
  spec: CsvColumnSpec<K>,
): CsvColumns<K> {
  const understood = new Set<string>([...spec.required, ...spec.optional]);
  const known: Partial<Record<K, number>> = {};
  const attributes: Array<{ index: number; key: string }> = [];
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === '') return;
    const key = columnKey(name);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new CsvImportError(
        'csv_duplicate_column',
        `line ${line}: the column "${name}" appears twice in the header (columns ${earlier + 1} and ${index + 1})`,
        { line, column: name },
      );
    }
    seen.set(key, index);
    if (READ_PAST.has(key)) return;
    if (understood.has(key)) known[key as K] = index;
    else attributes.push({ index, key: name });
  });
  const missing = spec.required.filter((column) => known[column] === undefined);
  if (missing.length > 0) {
    const found = names.filter((name) => name !== '');
    const listed = found.length === 0 ? 'no named columns' : `columns ${found.slice(0, 20).join(', ')}`;
    throw new CsvImportError(
      'csv_missing_column',
      `line ${line}: the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (it has ${listed})`,
      { line, column: missing[0] },
      { missing },
    );
  }
  return { known, attributes, names: [...names] };
}

/** How a header name is compared: `  Opted-In ` → `opted_in`. */
export function columnKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** The non-empty attribute cells of a row; empty cells are left out rather than stored as "". */
export function attributeCells(
  cells: readonly string[],
  columns: CsvColumns<string>,
): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { index, key } of columns.attributes) {
    const value = cells[index];
    if (value) attributes[key] = value;
  }
  return attributes;
}
