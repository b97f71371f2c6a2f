import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvImportError } from './csvImportError.js';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const NUL = 0x00;
const NEWLINE = Buffer.from('\n');

/** A record longer than this is not buffered: an over-long line is reported and skipped. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** A quoted cell still open after this many lines is taken for an unclosed quote. */
export const MAX_RECORD_LINES = 100;
/** How much of a broken line is kept to show in the report (the report cuts it further). */
const PROBLEM_VALUE_BYTES = 400;
/** Above the pool Buffer.allocUnsafe shares, so a store never shares its memory with anything else. */
const MIN_STORE_BYTES = 64 * 1024;

export type FramingProblem =
  | 'stray_quote'
  | 'text_after_quote'
  | 'unclosed_quote'
  | 'line_too_long'
  | 'not_utf8'
  | 'nul_byte';

export const FRAMING_PROBLEM_REASONS: Record<FramingProblem, string> = {
  stray_quote:
    'broken quoting: a quote inside an unquoted cell (quote the whole cell and double inner quotes: "a ""b"" c")',
  text_after_quote: 'broken quoting: text after the closing quote of a cell',
  unclosed_quote: 'broken quoting: a quoted cell opened on this line is never closed',
  line_too_long: `the line is longer than ${MAX_RECORD_BYTES} bytes`,
  not_utf8:
    'the line is not valid UTF-8 (is the file saved in another encoding, e.g. Windows-1251?); save the file as UTF-8',
  nul_byte: 'the line contains a NUL byte (is the file UTF-16?); save the file as UTF-8',
};

export function isFramingProblem(code: string): code is FramingProblem {
  return Object.hasOwn(FRAMING_PROBLEM_REASONS, code);
}

export interface CsvRecordFramerOptions {
  delimiter: ',' | ';';
  maxRecordBytes?: number;
  maxRecordLines?: number;
}

/**
 * Cuts a CSV byte stream into records at the physical lines where they start, before csv-parse reads
 * their cells. It exists because csv-parse alone cannot give a per-line report: an unclosed quote
 * makes it swallow every following line up to the next quote, its line counter counts a CRLF inside a
 * quoted cell twice, and with skip_records_with_error an over-long record drops the rest of the chunk.
 *
 * The framer follows the same quoting rules as csv-parse (RFC 4180: a quote opens a cell only at its
 * start, `""` is a quote inside one, a closing quote is followed by a delimiter or the line end) and
 * passes on only records that csv-parse will read without error, each as one line of its own:
 *   `<line><delimiter><the record as written>\n`
 * so the physical line of its first byte travels with the record as an extra first cell. A record it
 * refuses travels the same way, in order, as `!<line><delimiter><problem>[<delimiter>"<text>"]\n`.
 *
 * Recovery: a broken record that spans several lines (an unclosed quote swallowing the next ones) is
 * reported on its first line, and framing starts again on the second, so the lines after a broken
 * one are still read. Blank lines are dropped. Every record is checked to be UTF-8 without NUL bytes,
 * so nothing decoded with replacement characters ever reaches the database. The first record is the
 * header: if it is broken, the whole file is refused with a CsvImportError.
 */
export class CsvRecordFramer extends Transform {
  /** Bytes received so far. */
  bytesIn = 0;
  private readonly delimiter: number;
  private readonly delimiterText: string;
  private readonly maxRecordBytes: number;
  private readonly maxRecordLines: number;
  /** Unconsumed bytes; pending[0] is the first byte of the current record. */
  private pending: Buffer = Buffer.alloc(0);
  /** The buffer `pending` grows in, when it is not a chunk as received (see append). */
  private store: Buffer | undefined;
  /** Where scanning stopped in `pending` (waiting for more bytes). */
  private pos = 0;
  /** Physical line of pending[0]. */
  private line = 1;
  private inQuotes = false;
  private atFieldStart = true;
  private afterClosingQuote = false;
  /** The record's first quoting problem and where in `pending` it was seen. */
  private problem: { code: FramingProblem; at: number } | undefined;
  /** Offsets in `pending` where the record's 2nd, 3rd… physical lines start (inside quoted cells). */
  private breaks: number[] = [];
  /** Skipping to the end of an over-long line. */
  private discarding = false;
  /** Records and problems passed on so far; the first one is the header. */
  private passed = 0;
  private out: Buffer[] = [];

  constructor(options: CsvRecordFramerOptions) {
    super({ readableObjectMode: false, writableObjectMode: false });
    this.delimiter = options.delimiter.charCodeAt(0);
    this.delimiterText = options.delimiter;
    this.maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
    this.maxRecordLines = options.maxRecordLines ?? MAX_RECORD_LINES;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytesIn += chunk.length;
    this.append(chunk);
    this.scanAndPush(false, callback);
  }

  /**
   * Adds a chunk to the unfinished record in a buffer of doubling size: a long record that comes in
   * many small chunks (a slow upload) is copied a few times in all, not once per chunk.
   */
  private append(chunk: Buffer): void {
    if (this.pending.length === 0) {
      this.pending = chunk;
      return;
    }
    const length = this.pending.length + chunk.length;
    const store = this.store;
    if (store !== undefined && this.pending.buffer === store.buffer) {
      // `pending` always runs to the last byte written into the store: the rest of it is free.
      const offset = this.pending.byteOffset - store.byteOffset;
      if (offset + length <= store.length) {
        chunk.copy(store, offset + this.pending.length);
        this.pending = store.subarray(offset, offset + length);
        return;
      }
    }
    const grown = Buffer.allocUnsafe(Math.max(2 * length, MIN_STORE_BYTES));
    this.pending.copy(grown);
    chunk.copy(grown, this.pending.length);
    this.store = grown;
    this.pending = grown.subarray(0, length);
  }

  override _flush(callback: TransformCallback): void {
    this.scanAndPush(true, callback);
  }

  private scanAndPush(final: boolean, callback: TransformCallback): void {
    try {
      this.scan(final);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (this.out.length > 0) {
      const output = Buffer.concat(this.out);
      this.out = [];
      this.push(output);
    }
    callback();
  }

  /** Frames every complete record in `pending`; at the end of input (`final`) the last one too. */
  private scan(final: boolean): void {
    const buf = this.pending;
    const n = buf.length;
    const delimiter = this.delimiter;
    let start = 0;
    let pos = this.pos;
    for (;;) {
      if (pos >= n) {
        if (!final || this.discarding || (pos === start && !this.inQuotes)) break;
        if (this.inQuotes) this.noteProblem('unclosed_quote', pos);
        start = pos = this.endRecord(buf, start, n, n);
        continue;
      }
      const b = buf[pos]!;
      // A CR may be the first half of a CRLF, and a quote in a quoted cell the first of `""`.
      if ((b === CR || (b === QUOTE && this.inQuotes)) && pos + 1 >= n && !final) break;
      if (this.discarding) {
        pos += b === CR && buf[pos + 1] === LF ? 2 : 1;
        if (b === CR || b === LF) {
          this.discarding = false;
          this.line++;
        }
        start = pos;
        continue;
      }
      if (this.inQuotes) {
        if (b === QUOTE) {
          if (buf[pos + 1] === QUOTE) pos += 2;
          else {
            this.inQuotes = false;
            this.afterClosingQuote = true;
            pos++;
          }
        } else if (b === CR || b === LF) {
          pos += b === CR && buf[pos + 1] === LF ? 2 : 1;
          this.breaks.push(pos);
          if (this.breaks.length >= this.maxRecordLines) {
            start = pos = this.recover(buf, start);
            continue;
          }
        } else pos++;
      } else if (b === CR || b === LF) {
        const end = pos;
        pos += b === CR && buf[pos + 1] === LF ? 2 : 1;
        start = pos = this.endRecord(buf, start, end, pos);
        continue;
      } else if (b === delimiter) {
        this.atFieldStart = true;
        this.afterClosingQuote = false;
        pos++;
      } else {
        if (this.afterClosingQuote) {
          this.noteProblem('text_after_quote', pos);
          this.afterClosingQuote = false;
        }
        if (b === QUOTE) {
          if (this.atFieldStart) this.inQuotes = true;
          else this.noteProblem('stray_quote', pos);
        }
        this.atFieldStart = false;
        pos++;
      }
      if (pos - start > this.maxRecordBytes) start = pos = this.overflow(buf, start, pos);
    }
    // Keep only the unfinished record; offsets into it move with it.
    this.pending = buf.subarray(start);
    this.pos = pos - start;
    if (start > 0) {
      this.breaks = this.breaks.map((offset) => offset - start);
      if (this.problem) this.problem = { ...this.problem, at: this.problem.at - start };
    }
  }

  /** The record in buf[start, end) is complete; returns where the next one starts. */
  private endRecord(buf: Buffer, start: number, end: number, next: number): number {
    if (this.problem !== undefined && this.breaks.length > 0) return this.recover(buf, start);
    const line = this.line;
    const problem = this.problem?.code;
    this.line += 1 + this.breaks.length;
    this.resetRecord();
    if (problem !== undefined) this.passProblem(line, problem, buf, start, end);
    else if (isBlank(buf, start, end)) return next;
    else {
      const record = buf.subarray(start, end);
      if (record.includes(NUL)) this.passProblem(line, 'nul_byte');
      else if (!isUtf8(record)) this.passProblem(line, 'not_utf8');
      else this.passRecord(line, record);
    }
    return next;
  }

  /**
   * A broken record spanning several lines: report its first line and frame again from the second,
   * the way a person reading the file would (the quote on this line is the one that went wrong).
   */
  private recover(buf: Buffer, start: number): number {
    const secondLine = this.breaks[0]!;
    const problem = this.problem && this.problem.at < secondLine ? this.problem.code : 'unclosed_quote';
    this.passProblem(this.line, problem, buf, start, lineEnd(buf, start, secondLine));
    this.line++;
    this.resetRecord();
    return secondLine;
  }

  /** The record outgrew maxRecordBytes at `pos`: recover if it spans lines, else skip to the line end. */
  private overflow(buf: Buffer, start: number, pos: number): number {
    if (this.breaks.length > 0) return this.recover(buf, start);
    this.passProblem(this.line, 'line_too_long');
    this.resetRecord();
    this.discarding = true;
    return pos;
  }

  private noteProblem(code: FramingProblem, at: number): void {
    this.problem ??= { code, at };
  }

  private resetRecord(): void {
    this.inQuotes = false;
    this.atFieldStart = true;
    this.afterClosingQuote = false;
    this.problem = undefined;
    this.breaks = [];
  }

  private passRecord(line: number, record: Buffer): void {
    this.passed++;
    this.out.push(Buffer.from(`${line}${this.delimiterText}`), record, NEWLINE);
  }

  private passProblem(line: number, problem: FramingProblem, buf?: Buffer, start = 0, end = 0): void {
    if (this.passed === 0) {
      const code =
        problem === 'not_utf8' || problem === 'nul_byte' ? 'csv_encoding' : 'csv_header_unreadable';
      throw new CsvImportError(
        code,
        `line ${line}: the header row is unreadable: ${FRAMING_PROBLEM_REASONS[problem]}`,
        {
          line,
        },
      );
    }
    this.passed++;
    const value = buf === undefined ? undefined : problemText(buf, start, end);
    const shown = value === undefined ? '' : `${this.delimiterText}"${value.replaceAll('"', '""')}"`;
    this.out.push(Buffer.from(`!${line}${this.delimiterText}${problem}${shown}\n`));
  }
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (buf[i] !== SPACE && buf[i] !== TAB) return false;
  }
  return true;
}

/** Where the line ending just before `next` begins (next follows a CR, LF or CRLF). */
function lineEnd(buf: Buffer, start: number, next: number): number {
  let end = next - 1;
  if (end > start && buf[end] === LF && buf[end - 1] === CR) end--;
  return end;
}

/** The start of a broken line as text for the report; nothing when it is not UTF-8. */
function problemText(buf: Buffer, start: number, end: number): string | undefined {
  const cut = Math.min(end, start + PROBLEM_VALUE_BYTES);
  // Back off to a character boundary so cutting does not itself make the text invalid.
  let boundary = cut;
  while (boundary < end && boundary > start && (buf[boundary]! & 0xc0) === 0x80) boundary--;
  const bytes = buf.subarray(start, boundary);
  if (bytes.includes(NUL) || !isUtf8(bytes)) return undefined;
  return bytes.toString('utf8');
}
