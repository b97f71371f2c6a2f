import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAGE_SIZE,
  documentedBody,
  idParams,
  isoTimeSchema,
  MAX_INT32,
  MAX_PAGE_SIZE,
  page,
  pagingQuery,
} from '../../../src/http/api/schemas.js';

/** Validated as the server validates: no coercion, no removal, defaults filled in. */
function validator(schema: object) {
  const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

describe('idParams', () => {
  const valid = validator(idParams);

  it('takes ids from 1 to the largest 32-bit integer', () => {
    expect(valid({ id: 1 })).toBe(true);
    expect(valid({ id: MAX_INT32 })).toBe(true);
  });

  it('refuses 0, one past int32, a fraction, a string and a missing id', () => {
    for (const params of [{ id: 0 }, { id: MAX_INT32 + 1 }, { id: 1.5 }, { id: '7' }, {}]) {
      expect(valid(params), JSON.stringify(params)).toBe(false);
    }
  });

  it('refuses any other parameter', () => {
    expect(valid({ id: 1, other: 2 })).toBe(false);
  });
});

describe('pagingQuery', () => {
  const valid = validator(pagingQuery);

  it('fills in the default page when none is asked for', () => {
    const query = {};
    expect(valid(query)).toBe(true);
    expect(query).toEqual({ limit: DEFAULT_PAGE_SIZE, offset: 0 });
  });

  it(`takes a page size from 1 to ${MAX_PAGE_SIZE} and refuses one above, naming limit`, () => {
    expect(valid({ limit: 1 })).toBe(true);
    expect(valid({ limit: MAX_PAGE_SIZE })).toBe(true);
    expect(valid({ limit: MAX_PAGE_SIZE + 1 })).toBe(false);
    expect(valid.errors?.[0]?.instancePath).toBe('/limit');
    expect(valid({ limit: 0 })).toBe(false);
  });

  it('refuses a negative offset and an unknown parameter', () => {
    expect(valid({ offset: -1 })).toBe(false);
    expect(valid({ page: 2 })).toBe(false);
  });
});

describe('isoTimeSchema', () => {
  const valid = validator(isoTimeSchema);

  it('takes an ISO time with an offset and refuses one without, or a date alone', () => {
    expect(valid('2026-11-27T10:00:00+03:00')).toBe(true);
    expect(valid('2026-11-27T07:00:00.000Z')).toBe(true);
    expect(valid('2026-11-27T10:00:00')).toBe(false);
    expect(valid('2026-11-27')).toBe(false);
    expect(valid('tomorrow')).toBe(false);
  });
});

describe('page', () => {
  it('is the items and total of a result with the paging that asked for them', () => {
    expect(page({ items: ['a', 'b'], total: 7 }, { limit: 2, offset: 4 })).toEqual({
      items: ['a', 'b'],
      total: 7,
      limit: 2,
      offset: 4,
    });
  });
});

describe('documentedBody', () => {
  it('puts the body in the OpenAPI document, keeping the rest of the schema and the url', () => {
    const content = { 'text/csv': { schema: { type: 'string' } } };
    const { swaggerTransform } = documentedBody(content, 'The CSV');
    const transformed = (swaggerTransform as (input: object) => unknown)({
      schema: { summary: 'Import', tags: ['contacts'] },
      url: '/api/v1/contacts/import',
    });
    expect(transformed).toEqual({
      schema: { summary: 'Import', tags: ['contacts'], body: { description: 'The CSV', content } },
      url: '/api/v1/contacts/import',
    });
  });
});
