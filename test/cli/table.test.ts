import { describe, expect, it } from 'vitest';
import { cellText, formatFields, formatTable } from '../../src/cli/table.js';

describe('formatTable', () => {
  it('pads each column to its widest cell, two spaces apart, numbers on the right where asked', () => {
    const table = formatTable(
      [{ header: 'ID', align: 'right' }, 'NAME', 'STATE'],
      [
        [7, 'Spring sale', 'running'],
        [123, 'Flu shots', 'done'],
      ],
    );

    expect(table.split('\n')).toEqual([
      ' ID  NAME         STATE',
      '  7  Spring sale  running',
      '123  Flu shots    done',
    ]);
  });

  it('shows an empty cell as "-", and a missing trailing cell too', () => {
    const table = formatTable(['A', 'B', 'C'], [[null, '', undefined], ['x']]);

    expect(table.split('\n')).toEqual(['A  B  C', '-  -  -', 'x  -  -']);
  });

  it('leaves no spaces at the end of a line', () => {
    const table = formatTable(['NAME', 'NOTE'], [['a-very-long-name', null]]);

    for (const line of table.split('\n')) expect(line).toBe(line.trimEnd());
  });

  it('keeps each row on one line when a value holds line breaks or tabs', () => {
    const table = formatTable(['TEXT'], [['first\r\nsecond\tthird']]);

    expect(table.split('\n')).toEqual(['TEXT', 'first second third']);
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['ID', 'NAME'], [])).toBe('ID  NAME');
  });
});

describe('formatFields', () => {
  it('writes one label and value a line, the values lined up after the longest label', () => {
    expect(
      formatFields([
        ['ID', 4],
        ['Created', new Date('2026-02-03T04:05:06Z')],
        ['Note', null],
      ]).split('\n'),
    ).toEqual(['ID:       4', 'Created:  2026-02-03T04:05:06.000Z', 'Note:     -']);
  });
});

describe('cellText', () => {
  it('writes dates in ISO form, booleans and numbers as they print, and nothing as "-"', () => {
    expect(cellText(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(cellText(false)).toBe('false');
    expect(cellText(0)).toBe('0');
    expect(cellText(undefined)).toBe('-');
  });
});
