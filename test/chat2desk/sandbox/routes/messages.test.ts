import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, type ShiftableClock, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { api, createClient, type Json } from '../../../support/sandboxApi.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox({ port: 0 });
});
afterEach(async () => {
  await sb.close();
});

describe('POST /v1/messages', () => {
  it('answers data with message_id, dialog_id and request_id by default', async () => {
    const clientId = await createClient(sb, '79310001122', 'viber', 2);
    const res = await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'Hi there!' });
    expect(res.status).toBe(200);
    const messageId = sb.state.messagesTo(clientId)[0]!.id;
    expect(res.body).toEqual({
      data: {
        channel_id: 2,
        operator_id: 1,
        transport: 'viber',
        type: 'to_client',
        client_id: clientId,
        message_id: messageId,
        dialog_id: expect.any(Number),
        request_id: expect.any(Number),
      },
      status: 'success',
    });
  });

  it('answers the v1.08 shape without a message id when so configured', async () => {
    sb.setOptions({ messageIdInAnswer: false });
    const clientId = await createClient(sb, '79310001122', 'viber', 2);
    const res = await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'Hi' });
    expect(res.body).toEqual({
      data: { channel_id: 2, operator_id: 1, transport: 'viber', type: 'to_client', client_id: clientId },
      status: 'success',
    });
    const found = await api(sb, 'GET', `/v1/messages?client_id=${clientId}&type=to_client`);
    expect(found.body.data.map((m: Json) => m.text)).toEqual(['Hi']);
  });

  it('requires an existing client and a text or attachment', async () => {
    const unknown = await api(sb, 'POST', '/v1/messages', { client_id: 4242, text: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^client_id: /);
    const clientId = await createClient(sb, '79310001122');
    const empty = await api(sb, 'POST', '/v1/messages', { client_id: clientId });
    expect(empty.body.message).toMatch(/^text: /);
    const noClient = await api(sb, 'POST', '/v1/messages', { text: 'x' });
    expect(noClient.body.message).toBe('client_id: is required');
    expect(sb.state.messages).toHaveLength(0);
  });

  it('refuses a transport or channel the client is not known on', async () => {
    const clientId = await createClient(sb, '79310001122', 'whatsapp');
    const viber = await api(sb, 'POST', '/v1/messages', {
      client_id: clientId,
      text: 'x',
      transport: 'viber',
    });
    expect(viber.status).toBe(400);
    expect(viber.body.message).toMatch(/^transport: client \d+ is not known on viber/);
    const channel2 = await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'x', channel_id: 2 });
    expect(channel2.status).toBe(400);
    expect(channel2.body.message).toMatch(/^channel_id: /);
    expect(sb.state.messages).toHaveLength(0);
  });

  it('defaults transport and channel to where the client last wrote from', async () => {
    const clientId = await createClient(sb, '79310001122', 'sms');
    await sb.clientReply(clientId, 'hi from viber', { transport: 'viber', channelId: 2 });
    const res = await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'answer' });
    expect(res.body.data).toMatchObject({ transport: 'viber', channel_id: 2 });
  });

  it('keeps a system message out of the client outbox', async () => {
    const clientId = await createClient(sb, '79310001122', 'viber', 2);
    await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'note', type: 'system' });
    const [message] = sb.state.messagesOf(clientId);
    expect(message!.type).toBe('system');
    expect(message!.sentAt).toBeNull();
    expect(sb.state.messagesTo(clientId)).toEqual([]);
  });
});

describe('GET /v1/messages', () => {
  async function seed() {
    const a = await createClient(sb, '79310000001', 'viber', 2);
    const b = await createClient(sb, '79310000002', 'whatsapp', 1);
    (sb.clock as ShiftableClock).advance(420_000); // past the WhatsApp delay of the new client b
    await api(sb, 'POST', '/v1/messages', { client_id: a, text: 'a1' });
    await api(sb, 'POST', '/v1/messages', { client_id: b, text: 'b1' });
    await sb.clientReply(a, 'a-reply');
    await api(sb, 'POST', '/v1/messages', { client_id: b, text: 'b2' });
    return { a, b };
  }
  const texts = (res: { body: Json }) => res.body.data.map((m: Json) => m.text);

  it('lists items with the manual fields', async () => {
    const { a } = await seed();
    const res = await api(sb, 'GET', `/v1/messages?client_id=${a}&type=to_client`);
    expect(Object.keys(res.body.data[0]).sort()).toEqual(
      [
        'id',
        'text',
        'photo',
        'coordinates',
        'transport',
        'type',
        'read',
        'created',
        'client_id',
        'recipient_status',
      ].sort(),
    );
    const one = await api(sb, 'GET', `/v1/messages/${res.body.data[0].id}`);
    expect(one.body.data).toMatchObject({
      text: 'a1',
      channel_id: 2,
      operator_id: 1,
      dialog_id: expect.any(Number),
    });
    const missing = await api(sb, 'GET', '/v1/messages/1');
    expect(missing.status).toBe(404);
  });

  it('filters by client_id, transport, channel_id, type, dialog_id and read', async () => {
    const { a, b } = await seed();
    expect(texts(await api(sb, 'GET', `/v1/messages?client_id=${b}`))).toEqual(['b1', 'b2']);
    expect(texts(await api(sb, 'GET', '/v1/messages?transport=viber'))).toEqual(['a1', 'a-reply']);
    expect(texts(await api(sb, 'GET', '/v1/messages?channel_id=1'))).toEqual(['b1', 'b2']);
    expect(texts(await api(sb, 'GET', '/v1/messages?type=from_client'))).toEqual(['a-reply']);
    expect(texts(await api(sb, 'GET', `/v1/messages?type=from_client&read=false&client_id=${a}`))).toEqual([
      'a-reply',
    ]);
    const dialogId = sb.state.clients.get(b)!.openDialog!.id;
    expect(texts(await api(sb, 'GET', `/v1/messages?dialog_id=${dialogId}`))).toEqual(['b1', 'b2']);
    const bad = await api(sb, 'GET', '/v1/messages?type=outbound');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^type: /);
  });

  it('pages with start_id and order as the live service does', async () => {
    await seed();
    const all = (await api(sb, 'GET', '/v1/messages')).body.data.map((m: Json) => m.id);
    expect(all).toHaveLength(4);
    const from = await api(sb, 'GET', `/v1/messages?start_id=${all[2]}`);
    expect(from.body.data.map((m: Json) => m.id)).toEqual(all.slice(2));
    expect(from.body.meta.total).toBe(2);
    const desc = await api(sb, 'GET', '/v1/messages?order=desc&limit=3');
    expect(desc.body.data.map((m: Json) => m.id)).toEqual([...all].reverse().slice(0, 3));
    const badDate = await api(sb, 'GET', '/v1/messages?start_date=2026-01-01');
    expect(badDate.status).toBe(400);
    expect(badDate.body.message).toMatch(/^start_date: /);
  });

  it('marks a client message read and unread, and a reply marks it read', async () => {
    const { a } = await seed();
    const [reply] = sb.state.messagesFrom(a);
    await api(sb, 'GET', `/v1/messages/${reply!.id}/read`);
    expect((await api(sb, 'GET', `/v1/messages/${reply!.id}`)).body.data.read).toBe(true);
    await api(sb, 'GET', `/v1/messages/${reply!.id}/unread`);
    expect((await api(sb, 'GET', `/v1/messages/${reply!.id}`)).body.data.read).toBe(false);
    await api(sb, 'POST', '/v1/messages', { client_id: a, text: 'answer' });
    expect((await api(sb, 'GET', `/v1/messages/${reply!.id}`)).body.data.read).toBe(true);
  });
});
