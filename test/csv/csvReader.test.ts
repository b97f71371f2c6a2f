import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import { type CsvItem, CsvReader, MAX_CELL_CHARS, MAX_COLUMNS } from '../../src/csv/csvReader.js';
import { MAX_RECORD_BYTES, MAX_RECORD_LINES } from '../../src/csv/csvRecordFramer.js';

const fixture = (name: string) => new URL(`../fixtures/csv/${name}`, import.meta.url);

/** Everything the reader yields for an input, fed in chunks of `chunkSize` bytes. */
async function readAll(input: Buffer | string | Readable, chunkSize = 1 << 16): Promise<CsvItem[]> {
  const items: CsvItem[] = [];
  for await (const item of new CsvReader(input instanceof Readable ? input : chunked(input, chunkSize))) {
    items.push(item);
  }
  return items;
}

function chunked(input: Buffer | string, chunkSize: number): Readable {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

/** Items as `line: cells` or `line! reason` — compact enough to compare whole files at once. */
function summary(items: CsvItem[]): string[] {
  return items.map((item) => {
    if (item.kind === 'header') return `${item.line}: header ${item.names.join('|')}`;
    if (item.kind === 'row') return `${item.line}: ${item.cells.join('|')}`;
    return `${item.line}! ${item.errors.map((e) => e.reason.split(':')[0]).join('; ')}`;
  });
}

/** The text from the start of a physical line on (lines end with LF or CRLF here). */
function fromLine(text: string, line: number): string {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return text.slice(offset);
}

async function readError(input: Buffer | string): Promise<CsvImportError> {
  const error = await readAll(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CsvImportError);
  return error as CsvImportError;
}

describe('CsvReader', () => {
  it('reads the header and rows with the physical line each row starts on', async () => {
    const items = await readAll('phone,name\n1,Ann\n\n2,"Bob\nSmith"\n3,Carl\n');
    expect(summary(items)).toEqual(['1: header phone|name', '2: 1|Ann', '4: 2|Bob\nSmith', '6: 3|Carl']);
  });

  it('keeps line numbers right with CRLF inside quoted cells, old Mac CR endings and a BOM', async () => {
    expect(summary(await readAll(await readFile(fixture('contacts-bom-crlf.csv'))))).toEqual([
      '1: header phone|name|note',
      '2: 79990005001|Anna|plain',
      '3: 79990005002|Boris|first\r\nsecond',
      '6: 79990005003|Carl|after',
    ]);
    expect(summary(await readAll('a,b\r1,2\r3,4'))).toEqual(['1: header a|b', '2: 1|2', '3: 3|4']);
  });

  it('reads a quoted first header name right after a BOM', async () => {
    const items = await readAll(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('"phone",name\n1,Ann\n')]),
    );
    expect(summary(items)).toEqual(['1: header phone|name', '2: 1|Ann']);
  });

  it('reports broken quoting on its line and goes on reading the following lines', async () => {
    const items = await readAll(await readFile(fixture('contacts-broken-quotes.csv')));
    expect(summary(items)).toEqual([
      '1: header phone|name|note',
      '2: 79990003001|Alpha|fine, with a comma',
      '3! broken quoting',
      '4: 79990003003|Gamma|plain',
      '5: 79990003004|Delta|quoted',
      '6! broken quoting',
      '7! broken quoting',
      '8: 79990003007|Eta|two\nline note',
      '10: 79990003008|Theta|last',
    ]);
    const reasons = items.flatMap((item) => (item.kind === 'problem' ? item.errors : []));
    expect(reasons).toEqual([
      {
        line: 3,
        value: '79990003002,"Unclosed,open quote',
        reason: expect.stringContaining('a quoted cell opened on this line is never closed'),
      },
      {
        line: 6,
        value: '79990003005,Eps"ilon,stray quote',
        reason: expect.stringContaining('unquoted cell'),
      },
      {
        line: 7,
        value: '79990003006,"Zeta"x,text after quote',
        reason: expect.stringContaining('after the closing'),
      },
    ]);
  });

  it('reports an unclosed quote on the last line without losing the lines before it', async () => {
    expect(summary(await readAll('phone,name\n1,Ann\n2,"Bob\n3,Carl\n'))).toEqual([
      '1: header phone|name',
      '2: 1|Ann',
      '3! broken quoting',
      '4: 3|Carl',
    ]);
  });

  it(`takes a quoted cell still open after ${MAX_RECORD_LINES} lines for an unclosed quote`, async () => {
    const lines = Array.from({ length: MAX_RECORD_LINES + 5 }, (_, i) => `${i + 10},x`);
    const items = await readAll(`a,b\n1,"open\n${lines.join('\n')}\n9,"closed"\n`);
    expect(summary(items).slice(0, 3)).toEqual(['1: header a|b', '2! broken quoting', '3: 10|x']);
    expect(items.filter((item) => item.kind === 'row')).toHaveLength(lines.length + 1);
  });

  it('reports a line that is not UTF-8 and reads the UTF-8 lines around it', async () => {
    const items = await readAll(await readFile(fixture('contacts-windows-1251.csv')));
    expect(summary(items)).toEqual([
      '1: header phone|name|city',
      '2: 79990004001|Anna|Moscow',
      '3! the line is not valid UTF-8 (is the file saved in another encoding, e.g. Windows-1251?); save the file as UTF-8',
      '4: 79990004003|Carl|Kazan',
    ]);
    const problem = items[2] as Extract<CsvItem, { kind: 'problem' }>;
    expect(problem.errors[0]!.value).toBeUndefined();
  });

  it('refuses a UTF-16 file, an empty file and a header that is not UTF-8', async () => {
    expect((await readError(await readFile(fixture('contacts-utf16.csv')))).code).toBe('csv_encoding');
    expect((await readError(await readFile(fixture('empty.csv')))).code).toBe('csv_empty');
    expect((await readError('\n\n  \n')).code).toBe('csv_empty');
    const header = await readError(Buffer.from([0x69, 0x64, 0x2c, 0xc8, 0xec, 0xff, 0x0a]));
    expect(header).toMatchObject({ code: 'csv_encoding', line: 1 });
  });

  it('refuses a header with broken quoting', async () => {
    expect(await readError('phone,"name\n1,Ann\n')).toMatchObject({ code: 'csv_header_unreadable', line: 1 });
  });

  it(`reads a header of ${MAX_COLUMNS} columns arriving a few bytes at a time`, async () => {
    const names = Array.from({ length: MAX_COLUMNS }, (_, i) => `column${i}`);
    const cells = names.map((_, i) => String(i));
    const items = await readAll(`${names.join(',')}\n${cells.join(',')}\n`, 7);
    expect(items).toEqual([
      { kind: 'header', line: 1, names },
      { kind: 'row', line: 2, cells, tooLong: [] },
    ]);
  });

  it('finds the end of the header after blank lines, whatever the chunks the line ends are cut into', async () => {
    const text = ' \r\n\t\n  phone;name\r\n1;Ann\r\n';
    for (const size of [1, 2, 3, 64]) {
      expect(summary(await readAll(text, size)), String(size)).toEqual(['3: header phone|name', '4: 1|Ann']);
    }
  });

  it(`refuses a header of more than ${MAX_COLUMNS} columns, naming its line`, async () => {
    const header = Array.from({ length: 40_000 }, (_, i) => `c${i}`).join(',');
    const error = await readError(`\n${header}\n1,2\n`);
    expect(error).toMatchObject({
      code: 'csv_too_many_columns',
      line: 2,
      message: `line 2: the header has 40000 columns; at most ${MAX_COLUMNS} are allowed`,
    });
  });

  it('refuses a header longer than the record limit as unreadable, naming line 1', async () => {
    const error = await readError(`${'a,'.repeat(MAX_RECORD_BYTES)}\n1\n`);
    expect(error).toMatchObject({
      code: 'csv_header_unreadable',
      line: 1,
      message: `line 1: the header row is unreadable: the line is longer than ${MAX_RECORD_BYTES} bytes`,
    });
  });

  it('frames a long row that arrives in many small chunks', async () => {
    const cells = Array.from({ length: 900 }, (_, i) => `${i}`.padEnd(200, 'z'));
    const header = cells.map((_, i) => `c${i}`).join(',');
    const items = await readAll(`${header}\n${cells.join(',')}\n2${',x'.repeat(899)}\n`, 100);
    expect(items.slice(1).map((item) => (item.kind === 'row' ? item.cells[899] : item.kind))).toEqual([
      cells[899],
      'x',
    ]);
  });

  it('detects semicolons when the header has no comma', async () => {
    expect(summary(await readAll(await readFile(fixture('contacts-semicolon.csv'))))).toEqual([
      '1: header Phone|Name|Opted In|Discount',
      '2: 79990006001|Anna|true|10,5',
      '3: 79990006002|Boris; Jr|false|',
    ]);
  });

  it('reports rows with the wrong number of cells but ignores empty trailing cells and empty rows', async () => {
    expect(summary(await readAll('a,b,c\n1,2,3,,\n1,2\n1,2,3,4\n,,\n, ,,\n5,6,7\n'))).toEqual([
      '1: header a|b|c',
      '2: 1|2|3',
      '3! the row has 2 cells but the header has 3',
      '4! the row has 4 cells but the header has 3',
      '7: 5|6|7',
    ]);
  });

  it(`marks a cell over ${MAX_CELL_CHARS} characters (a 1 MB cell) on its row, for the import to drop, and carries on`, async () => {
    const huge = 'x'.repeat(1_000_000);
    const items = await readAll(`phone,note\n1,"${huge}"\n2,fine\n`, 4096);
    expect(summary(items)).toEqual(['1: header phone|note', `2: 1|${huge}`, '3: 2|fine']);
    const row = items[1] as Extract<CsvItem, { kind: 'row' }>;
    expect(row.tooLong).toEqual([
      {
        index: 1,
        error: {
          line: 2,
          column: 'note',
          value: huge,
          reason: 'the cell has 1000000 characters; at most 10000 are allowed',
        },
      },
    ]);
    expect((items[2] as Extract<CsvItem, { kind: 'row' }>).tooLong).toEqual([]);
  });

  it('skips a line longer than the record limit without buffering it, then carries on', async () => {
    const huge = 'y'.repeat(MAX_RECORD_BYTES + 10);
    const items = await readAll(`phone,note\n1,${huge}\n2,fine\n`, 50_000);
    expect(summary(items)).toEqual([
      '1: header phone|note',
      `2! the line is longer than ${MAX_RECORD_BYTES} bytes`,
      '3: 2|fine',
    ]);
  });

  it('reads the same items whatever the chunk boundaries', async () => {
    const text = await readFile(fixture('contacts-broken-quotes.csv'));
    const whole = summary(await readAll(text));
    for (const size of [1, 2, 3, 7]) expect(summary(await readAll(text, size))).toEqual(whole);
    const crlf = await readFile(fixture('contacts-bom-crlf.csv'));
    expect(summary(await readAll(crlf, 1))).toEqual(summary(await readAll(crlf)));
  });

  it('never fails on hostile quoting: every line is either a row or a problem, and csv-parse agrees on good ones', async () => {
    // Pseudo-random lines built from the characters that matter to a CSV parser.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'b', ',', '"', '"', '\n', '\r\n', ' '];
    for (let round = 0; round < 300; round++) {
      let body = 'h1,h2\n';
      const length = 1 + Math.floor(random() * 40);
      for (let i = 0; i < length; i++) body += alphabet[Math.floor(random() * alphabet.length)];
      const items = await readAll(body, 1 + Math.floor(random() * 5));
      expect(items[0]).toMatchObject({ kind: 'header', line: 1 });
      const lines = items.slice(1).map((item) => item.line);
      expect([...lines].sort((a, b) => a - b)).toEqual(lines);
      expect(new Set(lines).size).toBe(lines.length);
      for (const item of items) {
        if (item.kind !== 'row') continue;
        // The good rows read exactly as csv-parse reads that line on its own.
        const [alone] = parse(fromLine(body, item.line), { relax_column_count: true, to: 1 }) as string[][];
        expect(alone!.map((cell) => cell.trim()).slice(0, item.cells.length)).toEqual(item.cells);
      }
    }
  });
});
