import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../../../src/clock.js';
import { api, createClient, type Json } from '../../../support/sandboxApi.js';

let sb: Sandbox;
let clock: ManualClock;
beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 2, 10, 9));
  sb = await startSandbox({ clock });
});
afterEach(async () => {
  await sb.close();
});

describe('GET /gateway/delete_outbox', () => {
  it('answers deleted 0 when nothing is held', async () => {
    const res = await api(sb, 'GET', '/gateway/delete_outbox');
    expect(res).toEqual({ status: 200, body: { data: { deleted: 0 }, status: 'success' } });
  });

  it('drops held messages of every client but leaves those already gone out', async () => {
    const smsClient = await createClient(sb, '79310001122', 'sms');
    const waClient = await createClient(sb, '79310001123', 'whatsapp');
    const waOther = await createClient(sb, '79310001124', 'whatsapp');
    await api(sb, 'POST', '/v1/messages', { client_id: smsClient, text: 'gone out' });
    await api(sb, 'POST', '/v1/messages', { client_id: waClient, text: 'held 1' });
    await api(sb, 'POST', '/v1/messages', { client_id: waOther, text: 'held 2' });
    expect((await api(sb, 'GET', '/gateway/delete_outbox')).body.data).toEqual({ deleted: 2 });
    const listed = await api(sb, 'GET', '/v1/messages');
    expect(listed.body.data.map((m: Json) => m.text)).toEqual(['gone out']);
    expect((await api(sb, 'GET', '/gateway/delete_outbox')).body.data).toEqual({ deleted: 0 });
  });

  it('lets a message sent after the purge be held and go out as usual', async () => {
    const clientId = await createClient(sb, '79310001123', 'whatsapp');
    await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'dropped' });
    await api(sb, 'GET', '/gateway/delete_outbox');
    await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'kept' });
    clock.advance(420_000);
    const [dropped, kept] = sb.state.messagesTo(clientId);
    expect(dropped!.sentAt).toBeNull();
    expect(kept!.sentAt).not.toBeNull();
  });

  it('is counted as an API request like any other', async () => {
    await api(sb, 'GET', '/gateway/delete_outbox');
    expect(sb.state.requests.routeCounts()).toEqual({ 'GET /gateway/delete_outbox': 1 });
    expect((await api(sb, 'POST', '/gateway/delete_outbox')).status).toBe(404);
  });
});
