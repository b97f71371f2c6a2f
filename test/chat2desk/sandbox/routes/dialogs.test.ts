import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { api, createClient, type Json } from '../../../support/sandboxApi.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox({ port: 0 });
});
afterEach(async () => {
  await sb.close();
});

describe('dialogs, operators and reference lists', () => {
  it('opens a dialog on sending, hands it over and closes it', async () => {
    const clientId = await createClient(sb, '79310001122', 'viber', 2);
    const sent = await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'hi', operator_id: 2 });
    const dialogId = sent.body.data.dialog_id;
    expect((await api(sb, 'GET', `/v1/dialogs/${dialogId}`)).body.data).toMatchObject({
      id: dialogId,
      state: 'open',
      end: null,
      operator_id: 2,
    });
    await api(sb, 'PUT', `/v1/dialogs/${dialogId}`, { operator_id: 3 });
    const closed = await api(sb, 'PUT', `/v1/dialogs/${dialogId}`, { state: 'closed' });
    expect(closed.body.data).toMatchObject({
      state: 'closed',
      operator_id: 3,
      end: expect.stringMatching(/ UTC$/),
    });
    const byOperator = await api(sb, 'GET', '/v1/dialogs?operator_id=3&state=closed');
    expect(byOperator.body.data.map((d: Json) => d.id)).toEqual([dialogId]);
    const ofClient = await api(sb, 'GET', `/v1/clients/${clientId}/dialogs`);
    expect(ofClient.body.meta.total).toBe(1);
  });

  it('assigns a message outside an open dialog, and refuses one inside it', async () => {
    const clientId = await createClient(sb, '79310001122', 'viber', 2);
    const incoming = await sb.clientReply(clientId, 'hello?');
    expect(incoming.dialogId).toBeNull();
    const assigned = await api(sb, 'POST', `/v1/messages/${incoming.id}/assign`, { operator_id: 2 });
    expect(assigned.body.data).toMatchObject({ operator_id: 2, dialog_id: expect.any(Number) });
    const again = await api(sb, 'POST', `/v1/messages/${incoming.id}/assign`, { operator_id: 3 });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/open dialog/);
  });

  it('filters operators by phone, email and online', async () => {
    const online = await api(sb, 'GET', '/v1/operators?online=true');
    expect(online.body.data.every((o: Json) => o.online === true)).toBe(true);
    expect(online.body.meta.total).toBeGreaterThan(0);
    const byPhone = await api(sb, 'GET', '/v1/operators?phone=15550001122');
    expect(byPhone.body.data.map((o: Json) => o.id)).toEqual([2]);
    const byEmail = await api(sb, 'GET', '/v1/operators?email=ADMIN@sandbox.example');
    expect(byEmail.body.data.map((o: Json) => o.role)).toEqual(['admin']);
  });

  it('lists channels, filtered by phone', async () => {
    const all = await api(sb, 'GET', '/v1/channels');
    expect(all.body.data).toEqual([
      {
        id: 1,
        name: expect.any(String),
        phone: '79000000001',
        transports: ['whatsapp', 'viber', 'telegram', 'sms'],
      },
      { id: 2, name: 'Viber only', phone: '79000000002', transports: ['viber'] },
    ]);
    const one = await api(sb, 'GET', '/v1/channels?phone=79000000002');
    expect(one.body.data.map((c: Json) => c.id)).toEqual([2]);
  });

  it('serves the help lists, regions and countries', async () => {
    expect((await api(sb, 'GET', '/v1/help/roles')).body.data).toContain('supervisor');
    expect((await api(sb, 'GET', '/v1/help/dialog_states')).body.data).toEqual(['open', 'closed']);
    expect((await api(sb, 'GET', '/v1/help/api_modes')).body.data.map((m: Json) => m.name)).toEqual([
      'disabled',
      'demo',
      'normal',
      'unlimited',
    ]);
    expect((await api(sb, 'GET', '/v1/help/transports')).body.data.whatsapp.to_client.pdf).toBe('yes');
    expect((await api(sb, 'GET', '/v1/regions')).body.meta.total).toBeGreaterThan(0);
    expect((await api(sb, 'GET', '/v1/countries')).body.data[0]).toEqual({ id: 1, name: 'USA, Canada' });
  });

  it('sends a script menu item and reports it as the last question and in the date range', async () => {
    const clientId = await createClient(sb, '79310001122', 'viber', 2);
    const sent = await api(sb, 'GET', `/v1/questions/4322/send?client_id=${clientId}`);
    expect(sent.status).toBe(200);
    expect((await api(sb, 'GET', `/v1/clients/${clientId}/last_question`)).body.data).toMatchObject({
      id: 4322,
    });
    const today = new Date();
    const day = `${String(today.getUTCDate()).padStart(2, '0')}-${String(today.getUTCMonth() + 1).padStart(2, '0')}-${today.getUTCFullYear()}`;
    const inRange = await api(
      sb,
      'GET',
      `/v1/clients/${clientId}/questions?start_date=${day}&finish_date=${day}`,
    );
    expect(inRange.body.data.map((q: Json) => q.id)).toEqual([4322]);
    const before = await api(
      sb,
      'GET',
      `/v1/clients/${clientId}/questions?start_date=01-01-2000&finish_date=01-01-2000`,
    );
    expect(before.body.data).toEqual([]);
  });

  it('takes a message from an external channel: exactly one of id and phone', async () => {
    await sb.close();
    sb = await startSandbox({
      channels: [
        { id: 1, name: 'Main', phone: '79000000001', transports: ['whatsapp', 'viber'] },
        { id: 7, name: 'Site chat', phone: '79000000007', transports: ['external'] },
      ],
    });
    const both = await api(sb, 'POST', '/v1/messages/inbox', {
      channel_id: '7',
      body: 'hi',
      from_client: { id: 'abc', phone: '79110001122' },
    });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/^from_client: /);
    const noExternal = await api(sb, 'POST', '/v1/messages/inbox', {
      channel_id: 1,
      body: 'hi',
      from_client: { id: 'x' },
    });
    expect(noExternal.status).toBe(400);
    const ok = await api(sb, 'POST', '/v1/messages/inbox', {
      channel_id: '7',
      body: 'This is message text',
      from_client: { id: '123abc', nickname: 'API_boy' },
    });
    expect(ok.body.data).toMatchObject({ type: 'from_client', transport: 'external', channel_id: 7 });
    expect(sb.state.clientByExternalId('123abc')?.name).toBe('API_boy');
  });
});
