import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { TRANSPORTS } from '../../../../src/chat2desk/sandbox/referenceData.js';
import { api, type Json } from '../../../support/sandboxApi.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

describe('GET /v1/operators', () => {
  it('lists every operator in the manual shape', async () => {
    const res = await api(sb, 'GET', '/v1/operators');
    expect(res.body.meta).toEqual({ total: 3, limit: 20, offset: 0 });
    expect(Object.keys(res.body.data[0]).sort()).toEqual(
      [
        'id',
        'email',
        'phone',
        'role',
        'online',
        'offline_type',
        'first_name',
        'last_name',
        'last_visit',
      ].sort(),
    );
    expect(res.body.data[0].last_visit).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d UTC$/);
  });

  it('takes online as 0 or 1 too, and refuses anything else naming the field', async () => {
    const offline = await api(sb, 'GET', '/v1/operators?online=0');
    expect(offline.body.data.map((o: Json) => o.id)).toEqual([2]);
    const bad = await api(sb, 'GET', '/v1/operators?online=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('online: must be true or false');
  });

  it('matches a phone written with "+" and spaces, and combines filters', async () => {
    const byPhone = await api(sb, 'GET', `/v1/operators?phone=${encodeURIComponent('+1 555 000 11 22')}`);
    expect(byPhone.body.data.map((o: Json) => o.id)).toEqual([2]);
    const none = await api(sb, 'GET', '/v1/operators?phone=15550001122&online=true');
    expect(none.body).toMatchObject({ data: [], meta: { total: 0 } });
  });
});

describe('GET /v1/channels', () => {
  it('matches a phone with a leading "+", and refuses letters naming the field', async () => {
    const plus = await api(sb, 'GET', `/v1/channels?phone=${encodeURIComponent('+79000000001')}`);
    expect(plus.body.data.map((c: Json) => c.id)).toEqual([1]);
    const bad = await api(sb, 'GET', '/v1/channels?phone=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('phone: digits only');
  });

  it('lists every channel for an empty phone', async () => {
    const res = await api(sb, 'GET', '/v1/channels?phone=');
    expect(res.body.meta.total).toBe(2);
  });
});

describe('the reference lists', () => {
  it('page countries and regions, showing countries without their dial codes', async () => {
    const countries = await api(sb, 'GET', '/v1/countries?limit=2&offset=1');
    expect(countries.body.data).toEqual([
      { id: 2, name: 'Russia' },
      { id: 3, name: 'Egypt' },
    ]);
    expect(countries.body.meta).toEqual({ total: 9, limit: 2, offset: 1 });
    const regions = await api(sb, 'GET', '/v1/regions?offset=4');
    expect(regions.body.data).toEqual([{ id: 5, country: 'Россия', region: 'Санкт-Петербург' }]);
  });

  it('describe every transport the API sends on, without paging', async () => {
    const res = await api(sb, 'GET', '/v1/help/transports');
    expect(Object.keys(res.body.data).sort()).toEqual([...TRANSPORTS].sort());
    expect(res.body).not.toHaveProperty('meta');
    expect((await api(sb, 'GET', '/v1/help/roles')).body.data).toEqual([
      'unconfirmed',
      'operator',
      'supervisor',
      'admin',
      'disabled',
      'deleted',
    ]);
  });
});
