import { describe, expect, it } from 'vitest';
import { attributeCells, columnKey, mapCsvHeader, REJECTED_ROW_COLUMNS } from '../../src/csv/csvHeader.js';
import { CsvImportError } from '../../src/csv/csvImportError.js';

const contactColumns = { required: ['phone'], optional: ['name', 'opted_in'] } as const;

function headerError(names: string[], line = 1): CsvImportError {
  try {
    mapCsvHeader(names, line, contactColumns);
  } catch (error) {
    if (error instanceof CsvImportError) return error;
    throw error;
  }
  throw new Error(`expected the header ${JSON.stringify(names)} to be refused`);
}

describe('columnKey', () => {
  it('trims, lower-cases and reads runs of spaces and dashes as one underscore', () => {
    expect(columnKey('  Opted-In ')).toBe('opted_in');
    expect(columnKey('First  Name')).toBe('first_name');
    expect(columnKey('a - b')).toBe('a_b');
    expect(columnKey('PHONE')).toBe('phone');
    expect(columnKey('Город')).toBe('город');
  });
});

describe('mapCsvHeader', () => {
  it('finds the understood columns by name and keeps every other named column as an attribute', () => {
    expect(mapCsvHeader(['Name', ' Phone ', 'City', 'Opted In'], 1, contactColumns)).toEqual({
      known: { name: 0, phone: 1, opted_in: 3 },
      attributes: [{ index: 2, key: 'City' }],
      names: ['Name', ' Phone ', 'City', 'Opted In'],
    });
  });

  it('keeps an attribute under the name as the header spells it', () => {
    expect(mapCsvHeader(['phone', 'Favourite Doctor'], 1, contactColumns).attributes).toEqual([
      { index: 1, key: 'Favourite Doctor' },
    ]);
  });

  it('ignores columns with an empty name, such as a trailing comma makes', () => {
    const columns = mapCsvHeader(['phone', '', 'city', ''], 1, contactColumns);
    expect(columns.known).toEqual({ phone: 0 });
    expect(columns.attributes).toEqual([{ index: 2, key: 'city' }]);
    expect(columns.names).toEqual(['phone', '', 'city', '']);
  });

  it('reads past the columns of a rejected-rows file, so a fixed one imports again as it is', () => {
    expect(REJECTED_ROW_COLUMNS).toEqual(['rejected_line', 'rejected_reason']);
    const columns = mapCsvHeader(['rejected_line', 'Rejected Reason', 'phone', 'city'], 1, contactColumns);
    expect(columns.known).toEqual({ phone: 2 });
    expect(columns.attributes).toEqual([{ index: 3, key: 'city' }]);
  });

  it('refuses a name given twice, even spelled differently, naming both column positions', () => {
    const error = headerError(['phone', 'name', 'Phone '], 2);
    expect(error.code).toBe('csv_duplicate_column');
    expect(error.message).toBe('line 2: the column "Phone " appears twice in the header (columns 1 and 3)');
    expect(error.line).toBe(2);
    expect(error.column).toBe('Phone ');
  });

  it('refuses a duplicated attribute column too', () => {
    expect(headerError(['phone', 'city', 'City']).message).toBe(
      'line 1: the column "City" appears twice in the header (columns 2 and 3)',
    );
  });

  it('refuses a header without a required column, listing the columns it has', () => {
    const error = headerError(['name', 'city'], 3);
    expect(error.code).toBe('csv_missing_column');
    expect(error.message).toBe('line 3: the header has no phone column (it has columns name, city)');
    expect(error.line).toBe(3);
    expect(error.column).toBe('phone');
    expect(error.details).toEqual({ line: 3, column: 'phone', missing: ['phone'] });
  });

  it('names every missing required column, in the order of the spec', () => {
    let error: unknown;
    try {
      mapCsvHeader(['city'], 1, { required: ['phone', 'starts_at'], optional: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvImportError);
    expect((error as CsvImportError).message).toBe(
      'line 1: the header has no phone, starts_at columns (it has columns city)',
    );
    expect((error as CsvImportError).details['missing']).toEqual(['phone', 'starts_at']);
  });

  it('says so when the header has no named column at all, and lists at most 20', () => {
    expect(headerError(['', '']).message).toBe(
      'line 1: the header has no phone column (it has no named columns)',
    );
    const many = Array.from({ length: 25 }, (_, i) => `c${i + 1}`);
    const message = headerError(many).message;
    expect(message).toContain('c1, c2,');
    expect(message).toContain(', c20)');
    expect(message).not.toContain('c21');
  });
});

describe('attributeCells', () => {
  it('takes the attribute cells of a row by their header names, leaving out empty and absent cells', () => {
    const columns = mapCsvHeader(['phone', 'City', 'Doctor', 'Room'], 1, contactColumns);
    expect(attributeCells(['+79990000001', 'Москва', '', '12'], columns)).toEqual({
      City: 'Москва',
      Room: '12',
    });
    expect(attributeCells(['+79990000001', 'Казань'], columns)).toEqual({ City: 'Казань' });
  });

  it('never takes an understood column as an attribute', () => {
    const columns = mapCsvHeader(['phone', 'name'], 1, contactColumns);
    expect(attributeCells(['+79990000001', 'Anna'], columns)).toEqual({});
  });
});
