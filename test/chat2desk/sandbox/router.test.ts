import { describe, expect, it } from 'vitest';
import { success } from '../../../src/chat2desk/sandbox/http.js';
import { pathShape, RouteTable } from '../../../src/chat2desk/sandbox/router.js';

describe('pathShape', () => {
  it('replaces numeric segments with :id and collects them in order', () => {
    expect(pathShape('/v1/messages/15/read')).toEqual({ shape: '/v1/messages/:id/read', ids: [15] });
    expect(pathShape('/v1/a/1/b/22')).toEqual({ shape: '/v1/a/:id/b/:id', ids: [1, 22] });
    expect(pathShape('/v1/messages')).toEqual({ shape: '/v1/messages', ids: [] });
  });

  it('ignores one trailing slash, but not the root', () => {
    expect(pathShape('/v1/clients/12/')).toEqual({ shape: '/v1/clients/:id', ids: [12] });
    expect(pathShape('/')).toEqual({ shape: '/', ids: [] });
  });

  it('leaves non-numeric ids, signed numbers and ids longer than 15 digits as they are', () => {
    expect(pathShape('/v1/messages/abc').shape).toBe('/v1/messages/abc');
    expect(pathShape('/v1/messages/-1').shape).toBe('/v1/messages/-1');
    expect(pathShape('/v1/messages/1e3').shape).toBe('/v1/messages/1e3');
    expect(pathShape('/v1/messages/1234567890123456')).toEqual({
      shape: '/v1/messages/1234567890123456',
      ids: [],
    });
    expect(pathShape('/v1/messages/123456789012345').ids).toEqual([123456789012345]);
  });

  it('keeps leading zeros out of the id but still matches', () => {
    expect(pathShape('/v1/clients/007')).toEqual({ shape: '/v1/clients/:id', ids: [7] });
  });
});

describe('RouteTable', () => {
  it('finds a handler by method and shape, and nothing for another method or shape', () => {
    const handler = () => success(null);
    const routes = new RouteTable().add('GET', '/v1/clients/:id', handler);
    expect(routes.find('GET', '/v1/clients/:id')).toBe(handler);
    expect(routes.find('PUT', '/v1/clients/:id')).toBeUndefined();
    expect(routes.find('GET', '/v1/clients')).toBeUndefined();
    expect(routes.find('get', '/v1/clients/:id')).toBeUndefined();
  });

  it('lets a later add replace an earlier one for the same method and shape', () => {
    const first = () => success(1);
    const second = () => success(2);
    const routes = new RouteTable().add('POST', '/x', first).add('POST', '/x', second);
    expect(routes.find('POST', '/x')).toBe(second);
  });
});
