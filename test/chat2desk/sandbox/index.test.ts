import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/chat2desk/sandbox/index.js';
import { api, createClient, type Json } from '../../support/sandboxApi.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox({ port: 0 });
});
afterEach(async () => {
  await sb.close();
});

describe('authentication and envelopes', () => {
  it('answers 401 "You need to auth" to a missing or wrong token, and accepts the raw token', async () => {
    for (const token of [null, 'wrong', `Bearer ${sb.token}`]) {
      const res = await api(sb, 'GET', '/v1/companies/api_info', undefined, token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: 'error', message: 'You need to auth' });
    }
    const ok = await api(sb, 'GET', '/v1/companies/api_info');
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('success');
  });

  it('answers 404 "Page not found" to unknown paths, wrong methods and non-numeric ids', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['DELETE', '/v1/messages'],
      ['GET', '/v1/messages/abc'],
    ] as const) {
      const res = await api(sb, method, path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status: 'error', message: 'Page not found' });
    }
  });

  it('answers 400 naming the field for malformed parameters and bodies', async () => {
    const badLimit = await api(sb, 'GET', '/v1/clients?limit=ten');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.status).toBe('error');
    expect(badLimit.body.message).toMatch(/^limit: /);
    const res = await request(`${sb.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: sb.token, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as Json).message).toMatch(/^body: /);
  });

  it('shows api_info as the manual does', async () => {
    const res = await api(sb, 'GET', '/v1/companies/api_info');
    expect(res.body.data).toEqual({
      mode: 'unlimited',
      hook: null,
      current_version: 1,
      requests_this_month: 1,
      channels: 2,
      company_name: 'Sandbox company',
    });
  });
});

describe('paging', () => {
  it('defaults limit to 20 and offset to 0, and caps limit at 200', async () => {
    for (let i = 0; i < 205; i++) sb.state.addClient({ phone: String(79_000_000_000 + i) });
    const first = await api(sb, 'GET', '/v1/clients');
    expect(first.body.data).toHaveLength(20);
    expect(first.body.meta).toEqual({ total: 205, limit: 20, offset: 0 });
    const capped = await api(sb, 'GET', '/v1/clients?limit=500');
    expect(capped.body.data).toHaveLength(200);
    expect(capped.body.meta).toEqual({ total: 205, limit: 200, offset: 0 });
    const tail = await api(sb, 'GET', '/v1/clients?limit=10&offset=200');
    expect(tail.body.data.map((c: Json) => c.phone)).toEqual(
      [200, 201, 202, 203, 204].map((i) => String(79_000_000_000 + i)),
    );
  });
});

describe('POST /v1/clients', () => {
  it('creates a client from query-string parameters and answers the manual shape', async () => {
    const res = await api(sb, 'POST', '/v1/clients?phone=79310001122&transport=whatsapp&channel_id=1');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual(
      [
        'id',
        'assigned_name',
        'phone',
        'name',
        'avatar',
        'region_id',
        'country_id',
        'first_client_message',
        'last_client_message',
      ].sort(),
    );
    expect(res.body.data.phone).toBe('79310001122');
    expect(res.body.data.first_client_message).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d UTC$/);
    const transports = await api(sb, 'GET', `/v1/clients/${res.body.data.id}/transport`);
    expect(transports.body.data).toEqual([{ channel_id: 1, transports: ['whatsapp'] }]);
  });

  it('adds the transport to an existing phone and keeps its id', async () => {
    const id = await createClient(sb, '79310001122', 'whatsapp');
    const again = await createClient(sb, '79310001122', 'viber', 2);
    expect(again).toBe(id);
    const transports = await api(sb, 'GET', `/v1/clients/${id}/transport`);
    expect(transports.body.data).toEqual([
      { channel_id: 1, transports: ['whatsapp'] },
      { channel_id: 2, transports: ['viber'] },
    ]);
    expect(sb.state.clients.size).toBe(1);
  });

  it('refuses a transport other than whatsapp, viber and sms, and one the channel does not support', async () => {
    const telegram = await api(sb, 'POST', '/v1/clients?phone=79310001122&transport=telegram');
    expect(telegram.status).toBe(400);
    expect(telegram.body.message).toMatch(/^transport: /);
    const mismatch = await api(sb, 'POST', '/v1/clients?phone=79310001122&transport=whatsapp&channel_id=2');
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toMatch(/^channel_id: channel 2 does not support whatsapp/);
    expect(sb.state.clients.size).toBe(0);
  });

  it('takes the phone as digits only, from the query string', async () => {
    const plus = await api(
      sb,
      'POST',
      `/v1/clients?phone=${encodeURIComponent('+7 931 000-11-22')}&transport=sms`,
    );
    expect(plus.status).toBe(400);
    expect(plus.body.message).toMatch(/^phone: /);
    const inBody = await api(sb, 'POST', '/v1/clients', { phone: '79310001122', transport: 'sms' });
    expect(inBody.status).toBe(400);
    expect(inBody.body.message).toBe('phone: is required in the query string');
  });

  it('answers an error when client creation is disabled for the company', async () => {
    sb.setOptions({ clientCreationEnabled: false });
    const res = await api(sb, 'POST', '/v1/clients?phone=79310001122&transport=whatsapp');
    expect(res.status).toBe(403);
    expect(res.body.status).toBe('error');
    expect(res.body.message).toMatch(/disabled/);
    expect(sb.state.clients.size).toBe(0);
  });
});

describe('GET and PUT /v1/clients', () => {
  it('finds a client by exact phone digits', async () => {
    const id = await createClient(sb, '79310001122');
    await createClient(sb, '79310001123');
    const found = await api(sb, 'GET', '/v1/clients?phone=79310001122');
    expect(found.body.data.map((c: Json) => c.id)).toEqual([id]);
    expect(found.body.meta.total).toBe(1);
    const prefix = await api(sb, 'GET', '/v1/clients?phone=7931000112');
    expect(prefix.body.data).toEqual([]);
  });

  it('shows one client with first and last client message, and 404 for an unknown id', async () => {
    const id = await createClient(sb, '79310001122');
    await sb.clientReply(id, 'hello');
    const one = await api(sb, 'GET', `/v1/clients/${id}`);
    expect(one.body.data).toMatchObject({ id, phone: '79310001122', country_id: 2 });
    expect(one.body.data.last_client_message).toMatch(/ UTC$/);
    const missing = await api(sb, 'GET', '/v1/clients/999999');
    expect(missing.status).toBe(404);
    expect(missing.body.status).toBe('error');
  });

  it('sets and clears the assigned name and comments', async () => {
    const id = await createClient(sb, '79310001122');
    const set = await api(sb, 'PUT', `/v1/clients/${id}`, {
      nickname: 'Peter',
      comment: 'VIP',
      extra_comment_2: 'x',
    });
    expect(set.body.data).toMatchObject({ assigned_name: 'Peter', comment: 'VIP', extra_comment_2: 'x' });
    const cleared = await api(sb, 'PUT', `/v1/clients/${id}`, { nickname: null });
    expect(cleared.body.data).toMatchObject({ assigned_name: null, comment: 'VIP' });
  });
});
