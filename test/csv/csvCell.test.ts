import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../src/csv/csvCell.js';

describe('csvCell', () => {
  it('leaves plain text and numbers as they are, and empty for null', () => {
    expect([csvCell('Anna'), csvCell(3), csvCell(null), csvCell(undefined)]).toEqual(['Anna', '3', '', '']);
  });

  it('quotes a cell with a comma, a quote or a line break, doubling the quotes', () => {
    expect(csvCell('Smith, John')).toBe('"Smith, John"');
    expect(csvCell('She said "hi"')).toBe('"She said ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
  });

  it('quotes a cell with leading or trailing spaces, so they survive', () => {
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it('defuses cells a spreadsheet would run as a formula by prefixing an apostrophe', () => {
    expect(csvCell('=HYPERLINK("http://evil.example")')).toBe(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csvCell('+7 999')).toBe("'+7 999");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
  });

  it('ends a line with CRLF', () => {
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
  });

  it('separates with `;` for Excel in a Russian locale, quoting cells that hold one', () => {
    expect(csvCell('a;b')).toBe('a;b');
    expect(csvCell('a;b', ';')).toBe('"a;b"');
    expect(csvLine(['Анна; Иванова', 'x,y', 2], ';')).toBe('"Анна; Иванова";"x,y";2\r\n');
  });
});
