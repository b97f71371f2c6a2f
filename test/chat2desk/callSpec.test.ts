import { describe, expect, it } from 'vitest';
import { endpointOf, formatApiDate, pagingQuery, requestPath } from '../../src/chat2desk/callSpec.js';

describe('endpointOf', () => {
  it('names a call by its method and path template, never its id or query', () => {
    expect(endpointOf({ method: 'GET', template: '/v1/clients/:id', id: 42, query: { limit: 5 } })).toBe(
      'GET /v1/clients/:id',
    );
  });
});

describe('requestPath', () => {
  it('fills the id into the template, encoded', () => {
    expect(requestPath({ method: 'GET', template: '/v1/clients/:id', id: 42 })).toBe('/v1/clients/42');
    expect(requestPath({ method: 'GET', template: '/v1/clients/:id/dialogs', id: 'a/b c' })).toBe(
      '/v1/clients/a%2Fb%20c/dialogs',
    );
    expect(requestPath({ method: 'POST', template: '/v1/messages' })).toBe('/v1/messages');
  });

  it('writes the query in order, leaving out absent values and dates as dd-mm-yyyy', () => {
    expect(
      requestPath({
        method: 'GET',
        template: '/v1/messages',
        query: {
          transport: 'whatsapp',
          limit: 200,
          read: false,
          channel: undefined,
          client: null,
          start_date: new Date('2026-11-27T23:30:00Z'),
        },
      }),
    ).toBe('/v1/messages?transport=whatsapp&limit=200&read=false&start_date=27-11-2026');
  });

  it('escapes query values and writes no "?" for an empty query', () => {
    expect(requestPath({ method: 'GET', template: '/v1/clients', query: { phone: '+7 999&x=1' } })).toBe(
      '/v1/clients?phone=%2B7+999%26x%3D1',
    );
    expect(requestPath({ method: 'GET', template: '/v1/clients', query: { phone: undefined } })).toBe(
      '/v1/clients',
    );
    expect(requestPath({ method: 'GET', template: '/v1/clients', query: {} })).toBe('/v1/clients');
  });
});

describe('pagingQuery', () => {
  it('asks for the given page, and for nothing the service does not need', () => {
    expect(pagingQuery({ limit: 200, offset: 400 })).toEqual({ limit: 200, offset: 400 });
    expect(requestPath({ method: 'GET', template: '/v1/clients', query: pagingQuery({}) })).toBe(
      '/v1/clients',
    );
  });
});

describe('formatApiDate', () => {
  it('writes the UTC calendar date as dd-mm-yyyy', () => {
    expect(formatApiDate(new Date('2026-01-05T00:00:00Z'))).toBe('05-01-2026');
    expect(formatApiDate(new Date('2026-12-31T23:59:59.999Z'))).toBe('31-12-2026');
    expect(formatApiDate(new Date('2026-11-27T23:30:00-05:00'))).toBe('28-11-2026');
  });
});
