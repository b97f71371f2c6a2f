import { describe, expect, it } from 'vitest';
import { CsvImportError } from '../../src/csv/csvImportError.js';
import { BroadcasterError } from '../../src/errors.js';

describe('CsvImportError', () => {
  it('is a BroadcasterError with the code and message given', () => {
    const error = new CsvImportError('csv_empty', 'the file is empty');

    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.name).toBe('CsvImportError');
    expect(error.code).toBe('csv_empty');
    expect(error.message).toBe('the file is empty');
  });

  it('points at the line and column, in its fields and in its details', () => {
    const error = new CsvImportError('csv_missing_column', 'line 1: the header has no phone column', {
      line: 1,
      column: 'phone',
    });

    expect(error.line).toBe(1);
    expect(error.column).toBe('phone');
    expect(error.details).toEqual({ line: 1, column: 'phone' });
  });

  it('adds its own details beside the position', () => {
    const error = new CsvImportError(
      'csv_missing_column',
      'no columns',
      { line: 3, column: 'phone' },
      { missing: ['phone', 'name'] },
    );

    expect(error.details).toEqual({ line: 3, column: 'phone', missing: ['phone', 'name'] });
  });

  it('leaves line and column undefined for a problem of the whole file', () => {
    const error = new CsvImportError('csv_encoding', 'the file is UTF-16; save it as UTF-8');

    expect(error.line).toBeUndefined();
    expect(error.column).toBeUndefined();
    expect(error.details).toEqual({});
  });
});
