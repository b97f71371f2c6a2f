import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { pageFooter, pagingOptions } from '../../src/cli/paging.js';

describe('pagingOptions', () => {
  it('defaults as the API does and checks the range', () => {
    expect(pagingOptions({})).toEqual({ limit: 50, offset: 0 });
    expect(pagingOptions({ limit: '200', offset: '10' })).toEqual({ limit: 200, offset: 10 });
    expect(() => pagingOptions({ limit: '201' })).toThrow(UsageError);
    expect(() => pagingOptions({ offset: '-1' })).toThrow('--offset expects a whole number >= 0');
  });
});

describe('pageFooter', () => {
  it('says what was shown of how many, and how to see the next page', () => {
    expect(pageFooter('contacts', { offset: 0, shown: 0, total: 0 })).toBe('No contacts.');
    expect(pageFooter('contacts', { offset: 0, shown: 50, total: 120 })).toBe(
      '1–50 of 120 contacts (--offset 50 for the next page)',
    );
    expect(pageFooter('contacts', { offset: 100, shown: 20, total: 120 })).toBe('101–120 of 120 contacts');
    expect(pageFooter('contacts', { offset: 500, shown: 0, total: 120 })).toBe(
      'None past --offset 500: there are 120 contacts.',
    );
  });
});
