/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
/** With `;` between cells (Excel's CSV in a Russian locale), a cell holding one is quoted too. */
const NEEDS_QUOTES_SEMICOLON = /[",;\r\n]|^\s|\s$/;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, and prefixed with `'`
 * when a spreadsheet would otherwise run it as a formula — names and reasons come from outside.
 */
export function csvCell(value: string | number | null | undefined, separator = ','): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return quotedCell(FORMULA_START.test(value) ? `'${value}` : value, separator);
}

/** The cells of a line, formula-guarded, separated by `separator` (`,`; `;` for Excel in a Russian locale). */
export function csvLine(values: ReadonlyArray<string | number | null | undefined>, separator = ','): string {
  return `${values.map((value) => csvCell(value, separator)).join(separator)}\r\n`;
}

/** What Excel needs to open a CSV as UTF-8 rather than its ANSI code page (Cyrillic would be mojibake). */
export const UTF8_BOM = '\uFEFF';

/**
 * A line of cells exactly as given (RFC 4180 quoting only, no formula guard): for giving a user their
 * own rows back to fix and import again, where `+7 916…` must stay a phone and not become `'+7 916…`.
 */
export function csvRawLine(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map((value) => (value === null || value === undefined ? '' : quotedCell(String(value)))).join(',')}\r\n`;
}

function quotedCell(text: string, separator = ','): string {
  const needsQuotes = separator === ';' ? NEEDS_QUOTES_SEMICOLON : NEEDS_QUOTES;
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
