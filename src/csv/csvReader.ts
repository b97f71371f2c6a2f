import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { CsvImportError } from './csvImportError.js';
import {
  CsvRecordFramer,
  FRAMING_PROBLEM_REASONS,
  isFramingProblem,
  MAX_RECORD_BYTES,
} from './csvRecordFramer.js';
import type { ImportRowError } from './importRowError.js';

/** A cell longer than this is refused: nothing we store from a CSV needs more. */
export const MAX_CELL_CHARS = 10_000;
/** A header with more columns than this is refused: a contact needs a few dozen attributes at most. */
export const MAX_COLUMNS = 1_000;
/** Large chunks are cut to this size so one chunk never holds many batches' worth of rows. */
const CHUNK_BYTES = 64 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export type CsvInput = NodeJS.ReadableStream | Readable | AsyncIterable<Uint8Array | string>;

export type CsvItem =
  /** The first non-blank line: the column names, trimmed. */
  | { kind: 'header'; line: number; names: string[] }
  /**
   * A data row: one trimmed cell per header column. `tooLong`: cells over MAX_CELL_CHARS, by column
   * index, each with its problem; the import drops such a cell, or the row when the column is required.
   */
  | { kind: 'row'; line: number; cells: string[]; tooLong: Array<{ index: number; error: ImportRowError }> }
  /**
   * A data row that cannot be read; `errors` holds one entry per problem (at least one). `cells`: the
   * row's cells where they could be read (a row with more or fewer cells than the header).
   */
  | { kind: 'problem'; line: number; errors: ImportRowError[]; cells?: string[] };

/**
 * Streams a CSV file as a header, then rows and problems in line order, in bounded memory: bytes →
 * CsvRecordFramer (physical lines, quoting recovery, encoding checks) → csv-parse (cells). The
 * delimiter is `,`, or `;` when the first line has semicolons and no comma (spreadsheets in locales
 * with a decimal comma export that). A UTF-8 BOM is dropped; a UTF-16 file is refused.
 * Rows whose cells are all empty (`,,,`) are skipped like blank lines; a row with a different number
 * of cells than the header, or a cell over MAX_CELL_CHARS, is a problem.
 * Throws CsvImportError when the file is empty, its header is unreadable or has over MAX_COLUMNS columns.
 */
export class CsvReader implements AsyncIterable<CsvItem> {
  /** Bytes read from the input so far. */
  bytesRead = 0;
  delimiter: ',' | ';' = ',';
  private readonly input: CsvInput;

  constructor(input: CsvInput) {
    this.input = input;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CsvItem> {
    const chunks = this.byteChunks();
    const head = await readFirstLine(chunks);
    const body = head.subarray(0, 3).equals(UTF8_BOM) ? head.subarray(3) : head;
    refuseUtf16(body);
    this.delimiter = detectDelimiter(body);

    const framer = new CsvRecordFramer({ delimiter: this.delimiter });
    const parser = parse({
      delimiter: this.delimiter,
      record_delimiter: '\n',
      quote: '"',
      escape: '"',
      // The framer has checked quoting and bounded the size; cell counts are checked below, per line.
      relax_column_count: true,
      max_record_size: 0,
      bom: false,
      skip_empty_lines: false,
    });
    const source = async function* () {
      if (body.length > 0) yield body;
      yield* chunks;
    };
    const flowing = pipeline(source, framer, parser);
    // A failure anywhere in the pipeline also destroys the parser, so it surfaces in the loop below.
    flowing.catch(() => {});

    let names: string[] | undefined;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        const [tag = '', ...cells] = record;
        if (tag.startsWith('!')) {
          yield framingProblem(Number(tag.slice(1)), cells);
          continue;
        }
        const line = Number(tag);
        if (names === undefined) {
          refuseTooManyColumns(line, cells.length);
          names = cells.map((cell) => cell.trim());
          yield { kind: 'header', line, names };
          continue;
        }
        const item = rowItem(line, cells, names);
        if (item) yield item;
      }
      await flowing;
    } finally {
      parser.destroy();
    }
    if (names === undefined) {
      throw new CsvImportError('csv_empty', 'the file is empty: expected a header row naming its columns', {
        line: 1,
      });
    }
  }

  private async *byteChunks(): AsyncGenerator<Buffer> {
    // The input is the caller's: stopping early (a refused header, a failed batch) leaves it unread
    // rather than destroyed, so an HTTP handler can still answer on the request's connection.
    const input = this.input as AsyncIterable<Uint8Array | string> & Partial<Pick<Readable, 'iterator'>>;
    const chunks = typeof input.iterator === 'function' ? input.iterator({ destroyOnReturn: false }) : input;
    for await (const chunk of chunks as AsyncIterable<Uint8Array | string>) {
      const bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk, 'utf8')
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.bytesRead += bytes.length;
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
        yield bytes.subarray(offset, offset + CHUNK_BYTES);
      }
    }
  }
}

/**
 * Reads chunks until the first non-blank line is complete (or the input ends), to choose the delimiter.
 * Each byte is looked at once, whatever the chunk sizes: the header may be a megabyte long.
 */
async function readFirstLine(chunks: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  let started = false;
  while (length < MAX_RECORD_BYTES) {
    const next = await chunks.next();
    if (next.done) break;
    parts.push(next.value);
    length += next.value.length;
    const scan = scanForLineEnd(next.value, started);
    if (scan === 'ended') break;
    started = scan === 'started';
  }
  return Buffer.concat(parts);
}

/** Whitespace as a regular expression's \s sees a byte read as Latin-1. */
const BLANK_BYTES = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]);

/**
 * Carries the search for the end of the first non-blank line over one more chunk: `started` once a
 * non-blank byte was seen, `ended` at the first CR or LF after it.
 */
function scanForLineEnd(chunk: Buffer, started: boolean): 'blank' | 'started' | 'ended' {
  let from = 0;
  if (!started) {
    while (from < chunk.length && BLANK_BYTES.has(chunk[from]!)) from++;
    if (from === chunk.length) return 'blank';
  }
  return chunk.includes(0x0a, from) || chunk.includes(0x0d, from) ? 'ended' : 'started';
}

function refuseTooManyColumns(line: number, columns: number): void {
  if (columns <= MAX_COLUMNS) return;
  throw new CsvImportError(
    'csv_too_many_columns',
    `line ${line}: the header has ${columns} columns; at most ${MAX_COLUMNS} are allowed`,
    { line },
    { columns, limit: MAX_COLUMNS },
  );
}

function refuseUtf16(head: Buffer): void {
  const le = head[0] === 0xff && head[1] === 0xfe;
  const be = head[0] === 0xfe && head[1] === 0xff;
  if (le || be) {
    throw new CsvImportError(
      'csv_encoding',
      'the file is UTF-16 text; save it as UTF-8 (CSV UTF-8 in Excel)',
      {
        line: 1,
      },
    );
  }
}

/** `;` when the first non-blank line has semicolons but no comma outside quotes; `,` otherwise. */
export function detectDelimiter(head: Buffer): ',' | ';' {
  const firstLine =
    head
      .toString('utf8')
      .split(/\r\n|\r|\n/)
      .find((line) => line.trim() !== '') ?? '';
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const char of firstLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === ',') commas++;
    else if (!quoted && char === ';') semicolons++;
  }
  return commas === 0 && semicolons > 0 ? ';' : ',';
}

function framingProblem(line: number, cells: string[]): CsvItem {
  const [code = '', value] = cells;
  const reason = isFramingProblem(code) ? FRAMING_PROBLEM_REASONS[code] : code;
  return {
    kind: 'problem',
    line,
    errors: [value === undefined ? { line, reason } : { line, value, reason }],
  };
}

function rowItem(line: number, rawCells: string[], names: string[]): CsvItem | undefined {
  const cells = rawCells.map((cell) => cell.trim());
  if (cells.every((cell) => cell === '')) return undefined;
  // Trailing empty cells beyond the header are a spreadsheet artefact, not data.
  while (cells.length > names.length && cells[cells.length - 1] === '') cells.pop();
  if (cells.length !== names.length) {
    const reason = `the row has ${cells.length} cells but the header has ${names.length}`;
    return { kind: 'problem', line, errors: [{ line, reason }], cells };
  }
  const tooLong: Array<{ index: number; error: ImportRowError }> = [];
  cells.forEach((cell, index) => {
    if (cell.length > MAX_CELL_CHARS) {
      const reason = `the cell has ${cell.length} characters; at most ${MAX_CELL_CHARS} are allowed`;
      tooLong.push({ index, error: { line, column: names[index] || `#${index + 1}`, value: cell, reason } });
    }
  });
  return { kind: 'row', line, cells, tooLong };
}
