/** A column of a table for people: its heading, and whether its values line up on the right (numbers). */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export type Cell = string | number | boolean | Date | null | undefined;

/** Plain text columns, two spaces apart, padded to the widest cell; `-` for an empty cell. */
export function formatTable(columns: Array<string | Column>, rows: Cell[][]): string {
  const specs = columns.map((c): Column => (typeof c === 'string' ? { header: c } : c));
  const text = rows.map((row) => specs.map((_spec, i) => cellText(row[i])));
  const widths = specs.map((spec, i) => Math.max(spec.header.length, ...text.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (specs[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(specs.map((s) => s.header)), ...text.map(line)].join('\n');
}

/** Label/value pairs, one a line, the labels padded: a record's details. */
export function formatFields(fields: Array<[string, Cell]>): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}  ${cellText(value)}`).join('\n');
}

export function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString();
  // One line per row: a value with a line break would break the columns.
  return String(value).replace(/[\r\n\t]+/g, ' ');
}
