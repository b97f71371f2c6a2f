import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { api, createClient } from '../../../support/sandboxApi.js';

/** The sandbox takes WhatsApp templates (@HSM@ text) and files as Chat2Desk does, over real HTTP. */
let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox({ port: 0 });
});
afterEach(async () => {
  await sb.close();
});

const TEMPLATE = '@HSM@\norder_update|ru\nbody|text|Anna|A-1042';

describe('POST /v1/messages with an @HSM@ text', () => {
  it('takes it on whatsapp and lists it with its text as sent', async () => {
    const clientId = await createClient(sb, '79310001122', 'whatsapp', 1);
    const sent = await api(sb, 'POST', '/v1/messages', {
      client_id: clientId,
      text: TEMPLATE,
      transport: 'whatsapp',
    });
    expect(sent.status).toBe(200);
    const listed = await api(sb, 'GET', `/v1/messages?client_id=${clientId}&type=to_client`);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ text: TEMPLATE, transport: 'whatsapp', photo: null }),
    ]);
  });

  it('refuses it with a 400 on any other transport', async () => {
    const clientId = await createClient(sb, '79310001123', 'viber', 2);
    const sent = await api(sb, 'POST', '/v1/messages', {
      client_id: clientId,
      text: TEMPLATE,
      transport: 'viber',
    });
    expect(sent.status).toBe(400);
    expect(sent.body.status).toBe('error');
    expect(JSON.stringify(sent.body)).toMatch(/only over whatsapp, not viber/);
    expect(sb.state.messagesTo(clientId)).toEqual([]);
  });

  it('refuses one whose second line does not name the template and its language', async () => {
    const clientId = await createClient(sb, '79310001124', 'whatsapp', 1);
    const sent = await api(sb, 'POST', '/v1/messages', {
      client_id: clientId,
      text: '@HSM@\nHello there',
      transport: 'whatsapp',
    });
    expect(sent.status).toBe(400);
    expect(JSON.stringify(sent.body)).toMatch(/name\|language/);
  });
});

describe('POST /v1/messages with an attachment', () => {
  it('records the file on the message, with its text or alone, and lists it as photo', async () => {
    const clientId = await createClient(sb, '79310001125', 'viber', 2);
    const file = 'https://cdn.example.com/winter.jpg';
    expect((await api(sb, 'POST', '/v1/messages', { client_id: clientId, attachment: file })).status).toBe(
      200,
    );
    expect(
      (await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'Winter menu', attachment: file }))
        .status,
    ).toBe(200);
    expect(sb.state.messagesTo(clientId).map((m) => [m.text, m.attachment])).toEqual([
      [null, file],
      ['Winter menu', file],
    ]);
    const listed = await api(sb, 'GET', `/v1/messages?client_id=${clientId}&type=to_client`);
    expect(listed.body.data.map((m: { text: string | null; photo: string }) => [m.text, m.photo])).toEqual([
      [null, file],
      ['Winter menu', file],
    ]);
  });
});
