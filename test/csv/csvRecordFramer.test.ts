import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import {
  CsvRecordFramer,
  type CsvRecordFramerOptions,
  FRAMING_PROBLEM_REASONS,
  isFramingProblem,
  MAX_RECORD_BYTES,
} from '../../src/csv/csvRecordFramer.js';

/** What the framer writes for `input`, fed as the given chunks (one chunk for a string or Buffer). */
async function frame(
  input: string | Buffer | Buffer[],
  options: Partial<CsvRecordFramerOptions> = {},
): Promise<string> {
  const framer = new CsvRecordFramer({ delimiter: ',', ...options });
  const chunks = Array.isArray(input) ? input : [Buffer.from(input)];
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), framer, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out).toString('utf8');
}

/** The input cut into chunks of `size` bytes. */
function bytesOf(input: string | Buffer, size: number): Buffer[] {
  const bytes = Buffer.from(input);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

async function frameError(input: string | Buffer): Promise<CsvImportError> {
  const error = await frame(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CsvImportError);
  return error as CsvImportError;
}

describe('CsvRecordFramer', () => {
  it('passes each record on as one line, prefixed with the physical line it starts on', async () => {
    expect(await frame('name,phone\nAnna,+79990000001\nBob,+79990000002\n')).toBe(
      '1,name,phone\n2,Anna,+79990000001\n3,Bob,+79990000002\n',
    );
  });

  it('frames the last record even without a final line break', async () => {
    expect(await frame('h\nlast')).toBe('1,h\n2,last\n');
  });

  it('reads LF, CRLF and old Mac CR line endings alike', async () => {
    expect(await frame('a,b\r\nc,d\re,f\ng,h')).toBe('1,a,b\n2,c,d\n3,e,f\n4,g,h\n');
  });

  it('drops blank and whitespace-only lines but still counts them', async () => {
    expect(await frame('h\n\n \t \r\nx\n\n')).toBe('1,h\n4,x\n');
  });

  it('keeps a quoted cell with line breaks as written, and numbers the next record after all its lines', async () => {
    expect(await frame('h,n\n"two\r\nlines",c\nd,e\n')).toBe('1,h,n\n2,"two\r\nlines",c\n4,d,e\n');
  });

  it('reads doubled quotes inside a quoted cell as part of the cell', async () => {
    expect(await frame('h,n\n"say ""hi""",x\n')).toBe('1,h,n\n2,"say ""hi""",x\n');
  });

  it('uses the delimiter it is given to separate the line number', async () => {
    expect(await frame('a;b\n"x;y";z\n', { delimiter: ';' })).toBe('1;a;b\n2;"x;y";z\n');
  });

  it('reports a quote inside an unquoted cell with the text of the line, and reads on', async () => {
    expect(await frame('h,n\nab"c,d\nx,y\n')).toBe('1,h,n\n!2,stray_quote,"ab""c,d"\n3,x,y\n');
  });

  it('reports text after the closing quote of a cell', async () => {
    expect(await frame('h,n\n"a"b,c\nx,y\n')).toBe('1,h,n\n!2,text_after_quote,"""a""b,c"\n3,x,y\n');
  });

  it('reports an unclosed quote on its first line and frames again from the next line', async () => {
    expect(await frame('h,n\n"open,x\ny,z\n')).toBe('1,h,n\n!2,unclosed_quote,"""open,x"\n3,y,z\n');
  });

  it('reports an unclosed quote on the last line', async () => {
    expect(await frame('h\n"abc')).toBe('1,h\n!2,unclosed_quote,"""abc"\n');
  });

  it('takes a quoted cell still open after maxRecordLines lines for an unclosed quote', async () => {
    const input = 'h\n"a\nb\nc\nd",e\n';
    expect(await frame(input)).toBe('1,h\n2,"a\nb\nc\nd",e\n');
    expect(await frame(input, { maxRecordLines: 3 })).toBe(
      '1,h\n!2,unclosed_quote,"""a"\n3,b\n4,c\n!5,stray_quote,"d"",e"\n',
    );
  });

  it('reports a line over maxRecordBytes without its text and skips to the line end', async () => {
    expect(await frame(`h\n${'x'.repeat(30)}\nok\n`, { maxRecordBytes: 10 })).toBe(
      '1,h\n!2,line_too_long\n3,ok\n',
    );
    expect(await frame(`h\n${'x'.repeat(10)}\nok\n`, { maxRecordBytes: 10 })).toBe(
      `1,h\n2,${'x'.repeat(10)}\n3,ok\n`,
    );
  });

  it('reports a line that is not UTF-8 or holds a NUL byte, without its text', async () => {
    const notUtf8 = Buffer.concat([Buffer.from('h\n'), Buffer.from([0xc0, 0xaf]), Buffer.from('\nok\n')]);
    expect(await frame(notUtf8)).toBe('1,h\n!2,not_utf8\n3,ok\n');
    expect(await frame('h\na\u0000b\nok\n')).toBe('1,h\n!2,nul_byte\n3,ok\n');
  });

  it('leaves out the text of a broken line when that text is not UTF-8', async () => {
    const broken = Buffer.concat([Buffer.from('h\nab"'), Buffer.from([0xff]), Buffer.from('\nok\n')]);
    expect(await frame(broken)).toBe('1,h\n!2,stray_quote\n3,ok\n');
  });

  it('frames the same whatever the chunks the input arrives in', async () => {
    const input = 'h,n\r\n"a ""q""\r\nb",c\r\n\r\nab"c,d\r\n"open\r\nx,y\r\nлиния,ё\r\n';
    const whole = await frame(input);
    expect(whole).toBe(
      '1,h,n\n2,"a ""q""\r\nb",c\n!5,stray_quote,"ab""c,d"\n!6,unclosed_quote,"""open"\n7,x,y\n8,линия,ё\n',
    );
    for (const size of [1, 2, 3, 7])
      expect(await frame(bytesOf(input, size)), `chunks of ${size}`).toBe(whole);
  });

  it('counts the bytes it has received', async () => {
    const framer = new CsvRecordFramer({ delimiter: ',' });
    await pipeline(Readable.from(bytesOf('h\nлиния\n', 3)), framer, async (source: AsyncIterable<Buffer>) => {
      for await (const _ of source);
    });
    expect(framer.bytesIn).toBe(Buffer.byteLength('h\nлиния\n'));
  });

  it('refuses the whole file when the header is broken, naming its line', async () => {
    const quoting = await frameError('\n\nna"me,phone\nAnna,1\n');
    expect(quoting.code).toBe('csv_header_unreadable');
    expect(quoting.line).toBe(3);
    expect(quoting.message).toBe(
      `line 3: the header row is unreadable: ${FRAMING_PROBLEM_REASONS.stray_quote}`,
    );
  });

  it('refuses a header that is not UTF-8 or holds NUL bytes as an encoding problem', async () => {
    const utf16 = await frameError(Buffer.from('\ufeffname,phone\n', 'utf16le'));
    expect(utf16.code).toBe('csv_encoding');
    expect(utf16.message).toBe(`line 1: the header row is unreadable: ${FRAMING_PROBLEM_REASONS.nul_byte}`);
    const cp1251 = await frameError(Buffer.from([0xc8, 0xec, 0xff, 0x0a]));
    expect(cp1251.code).toBe('csv_encoding');
    expect(cp1251.message).toContain('Windows-1251');
  });
});

describe('isFramingProblem', () => {
  it('knows the framer problem codes and nothing else, not even inherited names', () => {
    for (const code of [
      'stray_quote',
      'text_after_quote',
      'unclosed_quote',
      'line_too_long',
      'not_utf8',
      'nul_byte',
    ]) {
      expect(isFramingProblem(code), code).toBe(true);
    }
    for (const code of ['wrong_cell_count', 'toString', 'constructor', '']) {
      expect(isFramingProblem(code), code).toBe(false);
    }
  });

  it('gives each problem a reason a user can act on', () => {
    expect(FRAMING_PROBLEM_REASONS.line_too_long).toBe(`the line is longer than ${MAX_RECORD_BYTES} bytes`);
    expect(FRAMING_PROBLEM_REASONS.nul_byte).toContain('save the file as UTF-8');
  });
});
