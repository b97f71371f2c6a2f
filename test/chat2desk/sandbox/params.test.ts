import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/chat2desk/sandbox/http.js';
import {
  dayParam,
  httpUrl,
  nullableString,
  optionalBoolean,
  optionalInteger,
  optionalString,
  page,
  readPaging,
  requiredInteger,
} from '../../../src/chat2desk/sandbox/params.js';
import { errorThrownBy } from '../../support/sandboxApi.js';

/** The ApiError `run` throws, so a test can look at its status, field and message. */
const thrown = (run: () => unknown): ApiError => errorThrownBy(run, ApiError);

describe('integers', () => {
  it('take a JSON number or a digit string, and treat absent, null and empty as not given', () => {
    expect(optionalInteger(0, 'limit')).toBe(0);
    expect(optionalInteger(42, 'limit')).toBe(42);
    expect(optionalInteger('007', 'limit')).toBe(7);
    expect(optionalInteger('999999999999999', 'limit')).toBe(999_999_999_999_999);
    for (const absent of [undefined, null, '']) expect(optionalInteger(absent, 'limit')).toBeUndefined();
  });

  it('refuse negatives, fractions, unsafe numbers and anything but plain digits, naming the field', () => {
    for (const bad of [
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER + 1,
      Number.NaN,
      '-1',
      '1.0',
      '1e3',
      ' 7',
      '0x1',
      '1234567890123456',
      true,
      {},
    ]) {
      const error = thrown(() => optionalInteger(bad, 'client_id'));
      expect(error).toMatchObject({
        httpStatus: 400,
        field: 'client_id',
        message: 'client_id: must be a non-negative integer',
      });
    }
  });

  it('when required, refuse a missing value as required', () => {
    expect(requiredInteger('12', 'client_id')).toBe(12);
    expect(thrown(() => requiredInteger(undefined, 'client_id')).message).toBe('client_id: is required');
    expect(thrown(() => requiredInteger('', 'client_id')).message).toBe('client_id: is required');
  });
});

describe('strings and booleans', () => {
  it('take a string as it is, and refuse other types naming the field', () => {
    expect(optionalString('', 'text')).toBe('');
    expect(optionalString(null, 'text')).toBeUndefined();
    expect(thrown(() => optionalString(5, 'text')).message).toBe('text: must be a string');
  });

  it('keep an explicit null as null where a field may be cleared, and refuse other types likewise', () => {
    expect(nullableString(null, 'comment')).toBeNull();
    expect(nullableString(undefined, 'comment')).toBeUndefined();
    expect(nullableString('note', 'comment')).toBe('note');
    expect(thrown(() => nullableString(false, 'comment')).field).toBe('comment');
  });

  it('read true, false, 1 and 0 as the service does, and refuse anything else', () => {
    expect(optionalBoolean('true', 'read')).toBe(true);
    expect(optionalBoolean('1', 'read')).toBe(true);
    expect(optionalBoolean('false', 'read')).toBe(false);
    expect(optionalBoolean('0', 'read')).toBe(false);
    expect(optionalBoolean(null, 'read')).toBeUndefined();
    expect(optionalBoolean('', 'read')).toBeUndefined();
    for (const bad of ['yes', 'TRUE', '2']) {
      expect(thrown(() => optionalBoolean(bad, 'online')).message).toBe('online: must be true or false');
    }
  });
});

describe('paging', () => {
  it('defaults limit to 20 and offset to 0, and caps limit at 200', () => {
    expect(readPaging(new URLSearchParams())).toEqual({ limit: 20, offset: 0 });
    expect(readPaging(new URLSearchParams('limit=200&offset=40'))).toEqual({ limit: 200, offset: 40 });
    expect(readPaging(new URLSearchParams('limit=201'))).toEqual({ limit: 200, offset: 0 });
  });

  it('refuses a malformed limit or offset naming it, and slices one page, empty past the end', () => {
    expect(thrown(() => readPaging(new URLSearchParams('limit=x'))).field).toBe('limit');
    expect(thrown(() => readPaging(new URLSearchParams('offset=-5'))).field).toBe('offset');
    const items = [1, 2, 3, 4, 5];
    expect(page(items, { limit: 2, offset: 0 })).toEqual([1, 2]);
    expect(page(items, { limit: 2, offset: 4 })).toEqual([5]);
    expect(page(items, { limit: 2, offset: 5 })).toEqual([]);
  });
});

describe('dayParam', () => {
  it('reads dd-mm-yyyy as the whole UTC day, and absent or empty as not given', () => {
    expect(dayParam(new URLSearchParams('start_date=29-02-2028'), 'start_date')).toEqual({
      startMs: Date.UTC(2028, 1, 29),
      endMs: Date.UTC(2028, 2, 1),
    });
    expect(dayParam(new URLSearchParams(), 'start_date')).toBeUndefined();
    expect(dayParam(new URLSearchParams('start_date='), 'start_date')).toBeUndefined();
  });

  it('refuses another format or a day the calendar lacks, naming the field', () => {
    for (const bad of ['2026-02-01', '1-2-2026', '31-04-2026', '29-02-2026', '00-01-2026', '01-13-2026']) {
      const error = thrown(() => dayParam(new URLSearchParams({ finish_date: bad }), 'finish_date'));
      expect(error.message).toBe('finish_date: must be a date as dd-mm-yyyy');
    }
  });
});

describe('httpUrl', () => {
  it('takes an absolute http or https URL as given', () => {
    expect(httpUrl('https://example.com/hooks/abc?x=1')).toBe('https://example.com/hooks/abc?x=1');
    expect(httpUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });

  it('refuses other schemes and what is not a URL, as the field url', () => {
    expect(thrown(() => httpUrl('ftp://example.com/x'))).toMatchObject({
      field: 'url',
      message: 'url: must be an http or https URL',
    });
    expect(thrown(() => httpUrl('/hooks/relative')).message).toBe('url: is not a valid URL');
    expect(thrown(() => httpUrl('javascript:alert(1)')).field).toBe('url');
  });
});
