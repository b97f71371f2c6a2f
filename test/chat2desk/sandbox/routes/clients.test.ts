import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../../../src/clock.js';
import { api, createClient, type Json } from '../../../support/sandboxApi.js';

const T0 = Date.UTC(2026, 2, 10, 23, 59);

let sb: Sandbox;
let clock: ManualClock;
async function start(options: SandboxOptions = {}) {
  clock = new ManualClock(T0);
  sb = await startSandbox({ clock, ...options });
}
afterEach(async () => {
  await sb.close();
});

describe('GET /v1/clients', () => {
  it('finds a client by phone written with "+", spaces and dashes', async () => {
    await start();
    const id = await createClient(sb, '79310001122', 'sms');
    const res = await api(sb, 'GET', `/v1/clients?phone=${encodeURIComponent('+7 931 000-11-22')}`);
    expect(res.body.data.map((c: Json) => c.id)).toEqual([id]);
    expect(res.body.meta).toEqual({ total: 1, limit: 20, offset: 0 });
  });

  it('pages past a phone match to an empty page with the total kept', async () => {
    await start();
    await createClient(sb, '79310001122', 'sms');
    const res = await api(sb, 'GET', '/v1/clients?phone=79310001122&offset=1');
    expect(res.body).toMatchObject({ data: [], meta: { total: 1, offset: 1 } });
  });
});

describe('POST /v1/clients', () => {
  it('requires a transport and a channel that exists', async () => {
    await start();
    const noTransport = await api(sb, 'POST', '/v1/clients?phone=79310001122');
    expect(noTransport.body.message).toBe('transport: is required in the query string');
    const noChannel = await api(sb, 'POST', '/v1/clients?phone=79310001122&transport=sms&channel_id=9');
    expect(noChannel.status).toBe(400);
    expect(noChannel.body.message).toBe('channel_id: channel 9 not found');
    expect(sb.state.clients.size).toBe(0);
  });

  it('takes 7 to 15 digits as a phone, and nothing shorter or longer', async () => {
    await start();
    for (const phone of ['123456', '1234567890123456']) {
      const res = await api(sb, 'POST', `/v1/clients?phone=${phone}&transport=sms`);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^phone: /);
    }
    await createClient(sb, '1234567', 'sms');
    await createClient(sb, '123456789012345', 'sms');
    expect(sb.state.clients.size).toBe(2);
  });
});

describe('PUT /v1/clients/<id>', () => {
  it('leaves absent fields alone and clears a comment set to null', async () => {
    await start();
    const id = await createClient(sb, '79310001122', 'sms');
    await api(sb, 'PUT', `/v1/clients/${id}`, { comment: 'VIP', extra_comment_3: 'z' });
    const res = await api(sb, 'PUT', `/v1/clients/${id}`, { comment: null });
    expect(res.body.data).toMatchObject({ comment: null, extra_comment_3: 'z', assigned_name: null });
  });

  it('refuses a non-string field naming it, and an unknown client with 404', async () => {
    await start();
    const id = await createClient(sb, '79310001122', 'sms');
    const bad = await api(sb, 'PUT', `/v1/clients/${id}`, { extra_comment_1: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('extra_comment_1: must be a string');
    const missing = await api(sb, 'PUT', '/v1/clients/999999', { comment: 'x' });
    expect(missing).toEqual({ status: 404, body: { status: 'error', message: 'Client 999999 not found' } });
  });
});

describe("a client's transports, dialogs and questions", () => {
  it('lists transports by channel, including one the client wrote in on', async () => {
    await start();
    const id = await createClient(sb, '79310001122', 'whatsapp');
    await sb.clientReply(id, 'hi', { transport: 'viber', channelId: 2 });
    const res = await api(sb, 'GET', `/v1/clients/${id}/transport`);
    expect(res.body.data).toEqual([
      { channel_id: 1, transports: ['whatsapp'] },
      { channel_id: 2, transports: ['viber'] },
    ]);
  });

  it('has no last question and no dialogs before anything was sent', async () => {
    await start();
    const id = await createClient(sb, '79310001122', 'sms');
    expect((await api(sb, 'GET', `/v1/clients/${id}/last_question`)).body.data).toBeNull();
    const dialogs = await api(sb, 'GET', `/v1/clients/${id}/dialogs`);
    expect(dialogs.body).toEqual({ data: [], meta: { total: 0, limit: 20, offset: 0 }, status: 'success' });
  });

  it('filters questions sent by whole UTC days, finish_date included', async () => {
    await start();
    const id = await createClient(sb, '79310001122', 'sms');
    await api(sb, 'GET', `/v1/questions/4321/send?client_id=${id}`); // 10 March, 23:59
    clock.advance(120_000);
    await api(sb, 'GET', `/v1/questions/4322/send?client_id=${id}`); // 11 March, 00:01
    const ids = async (query: string) =>
      (await api(sb, 'GET', `/v1/clients/${id}/questions?${query}`)).body.data.map((q: Json) => q.id);
    expect(await ids('finish_date=10-03-2026')).toEqual([4321]);
    expect(await ids('start_date=11-03-2026')).toEqual([4322]);
    expect(await ids('')).toEqual([4321, 4322]);
    const first = (await api(sb, 'GET', `/v1/clients/${id}/questions?limit=1`)).body;
    expect(first.data[0]).toMatchObject({ id: 4321, created: '2026-03-10T23:59:00 UTC' });
    expect(first.meta.total).toBe(2);
  });

  it('refuses a date that is not dd-mm-yyyy, naming the field', async () => {
    await start();
    const id = await createClient(sb, '79310001122', 'sms');
    const res = await api(sb, 'GET', `/v1/clients/${id}/questions?start_date=2026-03-10`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('start_date: must be a date as dd-mm-yyyy');
  });

  it('answers 404 for these paths of an unknown client', async () => {
    await start();
    for (const path of ['transport', 'last_question', 'dialogs', 'questions']) {
      const res = await api(sb, 'GET', `/v1/clients/424242/${path}`);
      expect(res.body).toEqual({ status: 'error', message: 'Client 424242 not found' });
    }
  });
});
