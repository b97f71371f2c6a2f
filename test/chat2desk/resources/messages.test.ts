import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCaller } from '../../../src/chat2desk/apiCaller.js';
import { Chat2DeskValidationError } from '../../../src/chat2desk/errors.js';
import { createClient, findClientByPhone } from '../../../src/chat2desk/resources/clients.js';
import {
  assignMessage,
  deleteOutbox,
  getMessage,
  listMessages,
  markMessageRead,
  markMessageUnread,
  sendInboxMessage,
  sendMessage,
} from '../../../src/chat2desk/resources/messages.js';
import type { Sandbox } from '../../../src/chat2desk/sandbox/index.js';
import { type ResourceTestbed, startResourceTestbed } from '../../support/sandboxApi.js';

const CHANNELS = [
  { id: 1, name: 'Multi', phone: '79000000001', transports: ['whatsapp', 'viber', 'telegram', 'sms'] },
  { id: 3, name: 'Site chat', phone: '79000000009', transports: ['external'] },
];

let sandbox: Sandbox;
let api: ApiCaller;
let recording: ResourceTestbed['recording'];
let closeTestbed: ResourceTestbed['close'];
let phones = 0;
const nextPhone = () => `7913000${String(++phones).padStart(4, '0')}`;

beforeAll(async () => {
  ({ sandbox, api, recording, close: closeTestbed } = await startResourceTestbed({ channels: CHANNELS }));
});
afterAll(() => closeTestbed());

async function smsClient(): Promise<number> {
  return (await createClient(api, { phone: nextPhone(), transport: 'sms', channelId: 1 })).id;
}

describe('sendMessage', () => {
  it('sends the message under Chat2Desk’s field names, leaving out what is not given', async () => {
    recording.answerWith({ message_id: 1 });

    await sendMessage(recording.api, {
      clientId: 5,
      text: 'Hi',
      channelId: 1,
      openDialog: false,
      externalId: 'd-7',
    });

    expect(recording.requests.at(-1)).toEqual({
      method: 'POST',
      path: '/v1/messages',
      query: {},
      body: { client_id: 5, text: 'Hi', channel_id: 1, open_dialog: false, external_id: 'd-7' },
    });
  });

  it('is accepted by Chat2Desk, and the message is read back as sent', async () => {
    const clientId = await smsClient();

    const sent = await sendMessage(api, { clientId, text: 'Hello', transport: 'sms', channelId: 1 });

    expect(sent).toMatchObject({ client_id: clientId, transport: 'sms', channel_id: 1, type: 'to_client' });
    expect(await getMessage(api, sent.message_id!)).toMatchObject({
      id: sent.message_id,
      text: 'Hello',
      client_id: clientId,
      type: 'to_client',
    });
  });

  it('is refused for a client that does not exist', async () => {
    const error = await sendMessage(api, { clientId: 987_654, text: 'Hello' }).catch((e) => e);

    // A refusal, not a failure: it certainly was not sent, so it may not be counted as maybe sent.
    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect(error).toMatchObject({ endpoint: 'POST /v1/messages', ambiguous: false, retryable: false });
  });
});

describe('listMessages', () => {
  it('sends each filter under its query name, dates as UTC days and booleans as words', async () => {
    recording.answerWith([], { total: 0, limit: 5, offset: 0 });

    await listMessages(recording.api, {
      clientId: 4,
      type: 'from_client',
      read: false,
      startId: 100,
      order: 'desc',
      startDate: new Date('2026-11-26T23:59:59Z'),
      limit: 5,
    });

    expect(recording.requests.at(-1)).toEqual({
      method: 'GET',
      path: '/v1/messages',
      query: {
        client_id: '4',
        type: 'from_client',
        read: 'false',
        start_id: '100',
        order: 'desc',
        start_date: '26-11-2026',
        limit: '5',
      },
      body: undefined,
    });
  });

  it('takes a list the service sent without meta as one whole page', async () => {
    recording.answerWith([{ id: 1 }, { id: 2 }]);

    expect(await listMessages(recording.api, {})).toEqual({
      data: [{ id: 1 }, { id: 2 }],
      meta: { total: 2, limit: 2, offset: 0 },
    });
  });

  it('lists a client’s messages, ours and theirs, filtered by direction', async () => {
    const clientId = await smsClient();
    const sent = await sendMessage(api, { clientId, text: 'Hello' });
    await sandbox.clientReply(clientId, 'Hi back');

    const all = await listMessages(api, { clientId });
    const theirs = await listMessages(api, { clientId, type: 'from_client' });

    expect(all.data.map((m) => m.text)).toEqual(['Hello', 'Hi back']);
    expect(all.meta.total).toBe(2);
    expect(theirs.data.map((m) => m.text)).toEqual(['Hi back']);
    expect(all.data[0]!.id).toBe(sent.message_id);
  });
});

describe('marking a reply read and unread', () => {
  it('is a GET on the message’s own path', async () => {
    recording.answerWith(null);

    await markMessageRead(recording.api, 41);
    await markMessageUnread(recording.api, 41);

    expect(recording.requests.slice(-2).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/messages/41/read',
      'GET /v1/messages/41/unread',
    ]);
  });

  it('changes what Chat2Desk says of the message', async () => {
    const clientId = await smsClient();
    const reply = await sandbox.clientReply(clientId, 'are you there?');

    await markMessageRead(api, reply.id);
    expect((await getMessage(api, reply.id)).read).toBe(true);
    await markMessageUnread(api, reply.id);
    expect((await getMessage(api, reply.id)).read).toBe(false);
  });
});

describe('sendInboxMessage', () => {
  it('sends the client reference and content under Chat2Desk’s names', async () => {
    recording.answerWith({});

    await sendInboxMessage(recording.api, {
      channelId: 3,
      body: 'Hi',
      fromClient: { phone: '79130000099', nickname: 'Visitor' },
    });

    expect(recording.requests.at(-1)).toEqual({
      method: 'POST',
      path: '/v1/messages/inbox',
      query: {},
      body: { channel_id: 3, body: 'Hi', from_client: { phone: '79130000099', nickname: 'Visitor' } },
    });
  });

  it('delivers a message from a client of an external channel, creating the client', async () => {
    const phone = nextPhone();

    await sendInboxMessage(api, {
      channelId: 3,
      body: 'From the site',
      fromClient: { phone, nickname: 'Visitor' },
    });

    const client = await findClientByPhone(api, phone);
    expect(client?.name).toBe('Visitor');
    expect((await listMessages(api, { clientId: client!.id })).data[0]).toMatchObject({
      text: 'From the site',
      type: 'from_client',
      transport: 'external',
    });
  });

  it('is refused on a channel without the external transport', async () => {
    await expect(
      sendInboxMessage(api, { channelId: 1, body: 'x', fromClient: { id: 'u1' } }),
    ).rejects.toBeInstanceOf(Chat2DeskValidationError);
  });
});

describe('assignMessage and deleteOutbox', () => {
  it('assign names the operator in the body; deleting the outbox is a GET of the gateway', async () => {
    recording.answerWith({});

    await assignMessage(recording.api, 8, 3);
    await deleteOutbox(recording.api);

    expect(recording.requests.slice(-2)).toEqual([
      { method: 'POST', path: '/v1/messages/8/assign', query: {}, body: { operator_id: 3 } },
      { method: 'GET', path: '/gateway/delete_outbox', query: {}, body: undefined },
    ]);
  });

  it('drops a message still held in the outbox', async () => {
    const created = await createClient(api, { phone: nextPhone(), transport: 'whatsapp', channelId: 1 });
    const sent = await sendMessage(api, { clientId: created.id, text: 'too early', transport: 'whatsapp' });
    expect(sandbox.state.message(sent.message_id!)?.isHeld).toBe(true);

    expect(await deleteOutbox(api)).toMatchObject({ deleted: 1 });

    expect(sandbox.state.message(sent.message_id!)?.droppedAt).not.toBeNull();
  });
});
