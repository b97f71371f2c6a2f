import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import {
  Chat2DeskAuthError,
  Chat2DeskClientCreationDisabledError,
  Chat2DeskNotFoundError,
  Chat2DeskValidationError,
} from '../../src/chat2desk/errors.js';
import type { Sandbox } from '../../src/chat2desk/sandbox/index.js';
import { startSandboxClient } from '../support/sandboxApi.js';

const CHANNELS = [
  { id: 1, name: 'Multi', phone: '79000000001', transports: ['whatsapp', 'viber', 'telegram', 'sms'] },
  { id: 2, name: 'Viber only', phone: '79000000002', transports: ['viber'] },
  { id: 3, name: 'Site chat', phone: '79000000009', transports: ['external'] },
];

let sb: Sandbox;
let client: Chat2DeskClient;
let closeSandboxClient: () => Promise<void>;
let phoneSeq = 0;
const nextPhone = (): string => `7911000${String(++phoneSeq).padStart(4, '0')}`;

beforeAll(async () => {
  ({
    sandbox: sb,
    client,
    close: closeSandboxClient,
  } = await startSandboxClient({ token: 't', channels: CHANNELS }));
});

afterAll(() => closeSandboxClient());

/** A client that wrote in on SMS, so it can be answered at once (no WhatsApp delay). */
async function smsClient(): Promise<number> {
  const created = await client.createClient({ phone: nextPhone(), transport: 'sms' });
  return created.id;
}

describe('Chat2DeskClient: company', () => {
  it('reads api_info', async () => {
    const info = await client.getApiInfo();
    expect(info).toMatchObject({ mode: 'unlimited', hook: null, current_version: 1, channels: 3 });
    expect(info.requests_this_month).toBeGreaterThanOrEqual(1);
    expect(typeof info.company_name).toBe('string');
  });

  it('sets and removes the web hook, shown in api_info', async () => {
    await client.setWebHook('https://engine.example/webhooks/chat2desk/s3cret');
    expect((await client.getApiInfo()).hook).toBe('https://engine.example/webhooks/chat2desk/s3cret');
    await client.setWebHook(null);
    expect((await client.getApiInfo()).hook).toBeNull();
  });

  it('sets and removes the chat-close web hook', async () => {
    await client.setChatCloseWebHook('https://engine.example/closed');
    expect(sb.state.company.chatCloseHookUrl).toBe('https://engine.example/closed');
    await client.setChatCloseWebHook(null);
    expect(sb.state.company.chatCloseHookUrl).toBeNull();
  });

  it('refuses a web hook that is not a URL as a validation error', async () => {
    const err = await client.setWebHook('not a url').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Chat2DeskValidationError);
    expect((err as Chat2DeskValidationError).httpStatus).toBe(400);
  });
});

describe('Chat2DeskClient: clients', () => {
  it('creates a client with the parameters in the query string, and adds a transport to an existing phone', async () => {
    const phone = nextPhone();
    const created = await client.createClient({ phone, transport: 'whatsapp', channelId: 1 });
    expect(created).toMatchObject({ phone, assigned_name: null });
    expect(created.first_client_message).toMatch(/ UTC$/);
    const again = await client.createClient({ phone, transport: 'viber', channelId: 2 });
    expect(again.id).toBe(created.id);
    const transports = await client.getClientTransports(created.id);
    expect(transports).toEqual([
      { channel_id: 1, transports: ['whatsapp'] },
      { channel_id: 2, transports: ['viber'] },
    ]);
  });

  it('refuses a transport the channel does not support', async () => {
    const err = await client
      .createClient({ phone: nextPhone(), transport: 'whatsapp', channelId: 2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Chat2DeskValidationError);
    expect((err as Chat2DeskValidationError).endpoint).toBe('POST /v1/clients');
    expect((err as Chat2DeskValidationError).ambiguous).toBe(false);
  });

  it('reports client creation switched off as an error', async () => {
    sb.setOptions({ clientCreationEnabled: false });
    try {
      const err = await client
        .createClient({ phone: nextPhone(), transport: 'sms' })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: false, ambiguous: false, httpStatus: 403 });
      // A refusal of what the account may do, never taken for a bad token (which pauses campaigns).
      expect(err).toBeInstanceOf(Chat2DeskClientCreationDisabledError);
      expect(err).not.toBeInstanceOf(Chat2DeskAuthError);
    } finally {
      sb.setOptions({ clientCreationEnabled: true });
    }
  });

  it('finds a client by phone, or null', async () => {
    const phone = nextPhone();
    const created = await client.createClient({ phone, transport: 'sms' });
    expect((await client.findClientByPhone(phone))?.id).toBe(created.id);
    expect(await client.findClientByPhone('79999999999')).toBeNull();
  });

  it('lists clients page by page', async () => {
    await smsClient();
    await smsClient();
    const first = await client.listClients({ limit: 1, offset: 0 });
    const second = await client.listClients({ limit: 1, offset: 1 });
    expect(first.data).toHaveLength(1);
    expect(first.meta).toMatchObject({ limit: 1, offset: 0 });
    expect(first.meta.total).toBeGreaterThanOrEqual(2);
    expect(second.meta.offset).toBe(1);
    expect(second.data[0]?.id).not.toBe(first.data[0]?.id);
  });

  it('reads one client, and a missing one is not found', async () => {
    const id = await smsClient();
    const found = await client.getClient(id);
    expect(found.id).toBe(id);
    expect(found).toHaveProperty('last_client_message');
    const err = await client.getClient(987_654).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Chat2DeskNotFoundError);
    expect((err as Chat2DeskNotFoundError).endpoint).toBe('GET /v1/clients/:id');
  });

  it('updates the assigned name, comments, and clears the name with null', async () => {
    const id = await smsClient();
    const updated = await client.updateClient(id, {
      nickname: 'Peter',
      comment: 'VIP',
      extraComment1: 'one',
      extraComment3: 'three',
    });
    expect(updated).toMatchObject({ assigned_name: 'Peter', comment: 'VIP', extra_comment_1: 'one' });
    expect((await client.getClient(id)).extra_comment_3).toBe('three');
    await client.updateClient(id, { nickname: null });
    const cleared = await client.getClient(id);
    expect(cleared.assigned_name).toBeNull();
    expect(cleared.comment).toBe('VIP');
  });
});

describe('Chat2DeskClient: messages', () => {
  it('sends a message and gets its id back, then reads it', async () => {
    const clientId = await smsClient();
    const sent = await client.sendMessage({ clientId, text: 'Hello', transport: 'sms', channelId: 1 });
    expect(sent).toMatchObject({ client_id: clientId, transport: 'sms', channel_id: 1, type: 'to_client' });
    expect(sent.message_id).toEqual(expect.any(Number));
    expect(sent.request_id).toEqual(expect.any(Number));
    const message = await client.getMessage(sent.message_id!);
    expect(message).toMatchObject({ id: sent.message_id, text: 'Hello', client_id: clientId, channel_id: 1 });
    expect(message.dialog_id).toBe(sent.dialog_id);
    expect(message.created).toMatch(/ UTC$/);
  });

  it('handles the v1.08 answer without ids; the message is then found by listing', async () => {
    sb.setOptions({ messageIdInAnswer: false });
    try {
      const clientId = await smsClient();
      const sent = await client.sendMessage({ clientId, text: 'No id here' });
      expect(sent).toMatchObject({ client_id: clientId, transport: 'sms' });
      expect(sent.message_id).toBeUndefined();
      expect(sent.request_id).toBeUndefined();
      const listed = await client.listMessages({ clientId, type: 'to_client', order: 'desc', limit: 1 });
      expect(listed.data[0]?.text).toBe('No id here');
    } finally {
      sb.setOptions({ messageIdInAnswer: true });
    }
  });

  it('sends a system message that never goes to the client', async () => {
    const clientId = await smsClient();
    const sent = await client.sendMessage({ clientId, text: 'note', type: 'system' });
    expect(sent.type).toBe('system');
    expect(sb.state.message(sent.message_id!)?.goesOutAt).toBeNull();
  });

  it('lists messages with filters, start_id paging and order', async () => {
    const clientId = await smsClient();
    const ids: number[] = [];
    for (const text of ['m1', 'm2', 'm3']) {
      ids.push((await client.sendMessage({ clientId, text })).message_id!);
    }
    await sb.clientReply(clientId, 'answer');
    const all = await client.listMessages({ clientId });
    expect(all.data.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'answer']);
    expect(all.meta).toEqual({ total: 4, limit: 20, offset: 0 });

    const outgoing = await client.listMessages({
      clientId,
      type: 'to_client',
      transport: 'sms',
      channelId: 1,
    });
    expect(outgoing.data.map((m) => m.id)).toEqual(ids);
    const fromSecond = await client.listMessages({
      clientId,
      startId: ids[1],
      type: 'to_client',
      order: 'desc',
    });
    expect(fromSecond.data.map((m) => m.id)).toEqual([ids[2], ids[1]]);
    const paged = await client.listMessages({ clientId, limit: 2, offset: 2 });
    expect(paged.data.map((m) => m.text)).toEqual(['m3', 'answer']);

    const today = sb.clock.now();
    const yesterday = new Date(today.getTime() - 86_400_000);
    expect((await client.listMessages({ clientId, startDate: today, finishDate: today })).meta.total).toBe(4);
    expect((await client.listMessages({ clientId, finishDate: yesterday })).meta.total).toBe(0);
  });

  it('marks a client message read and unread', async () => {
    const clientId = await smsClient();
    const reply = await sb.clientReply(clientId, 'are you there?');
    const unread = await client.listMessages({ clientId, type: 'from_client', read: false });
    expect(unread.data.map((m) => m.id)).toEqual([reply.id]);
    await client.markMessageRead(reply.id);
    expect((await client.listMessages({ clientId, type: 'from_client', read: false })).data).toEqual([]);
    expect((await client.getMessage(reply.id)).read).toBe(true);
    await client.markMessageUnread(reply.id);
    expect((await client.getMessage(reply.id)).read).toBe(false);
  });

  it('reports the recipient status where the transport has one (Viber)', async () => {
    const created = await client.createClient({ phone: nextPhone(), transport: 'viber', channelId: 2 });
    const sent = await client.sendMessage({ clientId: created.id, text: 'Viber hi', transport: 'viber' });
    expect((await client.getMessage(sent.message_id!)).recipient_status).toBe('sent');
  });

  it('delivers an external channel message from a client by phone or by own id', async () => {
    const phone = nextPhone();
    await client.sendInboxMessage({
      channelId: 3,
      body: 'Hi from the site',
      fromClient: { phone, nickname: 'Site visitor' },
    });
    const byPhone = await client.findClientByPhone(phone);
    expect(byPhone?.name).toBe('Site visitor');
    const messages = await client.listMessages({ clientId: byPhone!.id, type: 'from_client' });
    expect(messages.data[0]).toMatchObject({ text: 'Hi from the site', transport: 'external' });

    await client.sendInboxMessage({
      channelId: 3,
      location: '55.75 37.61',
      fromClient: { id: 'site-user-7' },
    });
    expect(sb.state.clientByExternalId('site-user-7')).toBeDefined();
  });

  it('refuses an inbox message on a channel without the external transport', async () => {
    const err = await client
      .sendInboxMessage({ channelId: 1, body: 'x', fromClient: { id: 'u1' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Chat2DeskValidationError);
    expect((err as Chat2DeskValidationError).apiMessage).toMatch(/external/);
  });

  it('drops messages still held in the outbox (a WhatsApp client inside its delay)', async () => {
    const created = await client.createClient({ phone: nextPhone(), transport: 'whatsapp' });
    const sent = await client.sendMessage({ clientId: created.id, text: 'too early', transport: 'whatsapp' });
    expect(sb.state.message(sent.message_id!)?.isHeld).toBe(true);
    const result = await client.deleteOutbox();
    expect(result).toMatchObject({ deleted: expect.any(Number) });
    expect(sb.state.message(sent.message_id!)?.droppedAt).not.toBeNull();
  });
});

describe('Chat2DeskClient: dialogs and operators', () => {
  it('lists, reads, closes and reopens a client dialog', async () => {
    const clientId = await smsClient();
    const sent = await client.sendMessage({ clientId, text: 'opens a dialog' });
    const dialogs = await client.getClientDialogs(clientId);
    expect(dialogs.data).toHaveLength(1);
    const dialog = dialogs.data[0]!;
    expect(dialog).toMatchObject({ id: sent.dialog_id, state: 'open', end: null });

    expect((await client.getDialog(dialog.id)).state).toBe('open');
    expect((await client.listDialogs({ state: 'open', limit: 200 })).data.map((d) => d.id)).toContain(
      dialog.id,
    );

    const closed = await client.updateDialog(dialog.id, { state: 'closed' });
    expect(closed.state).toBe('closed');
    expect(closed.end).toMatch(/ UTC$/);
    const reopened = await client.updateDialog(dialog.id, { state: 'open', operatorId: 3 });
    expect(reopened).toMatchObject({ state: 'open', operator_id: 3 });
    expect((await client.listDialogs({ operatorId: 3, limit: 200 })).data.map((d) => d.id)).toContain(
      dialog.id,
    );
  });

  it('assigns a message outside any open dialog to an operator', async () => {
    const clientId = await smsClient();
    const reply = await sb.clientReply(clientId, 'hello?');
    await client.assignMessage(reply.id, 2);
    const message = await client.getMessage(reply.id);
    expect(message.operator_id).toBe(2);
    expect((await client.getDialog(message.dialog_id!)).operator_id).toBe(2);
  });

  it('lists operators with filters', async () => {
    const all = await client.listOperators();
    expect(all.data.length).toBeGreaterThanOrEqual(2);
    expect(all.meta.total).toBe(all.data.length);
    const online = await client.listOperators({ online: true });
    expect(online.data.every((o) => o.online)).toBe(true);
    const first = all.data[0]!;
    const byEmail = await client.listOperators({ email: first.email! });
    expect(byEmail.data.map((o) => o.id)).toEqual([first.id]);
  });
});

describe('Chat2DeskClient: script questions', () => {
  it('sends a menu item and reads it back as the last and dated questions', async () => {
    const clientId = await smsClient();
    expect(await client.getClientLastQuestion(clientId)).toBeNull();
    await client.sendQuestion(4322, clientId);
    expect(await client.getClientLastQuestion(clientId)).toMatchObject({ id: 4322 });
    const today = sb.clock.now();
    const within = await client.getClientQuestions(clientId, { startDate: today, finishDate: today });
    expect(within.data.map((q) => q.id)).toEqual([4322]);
    const longAgo = new Date(Date.UTC(2011, 8, 10));
    const before = await client.getClientQuestions(clientId, { startDate: longAgo, finishDate: longAgo });
    expect(before.data).toEqual([]);
    expect((await client.getClientQuestions(clientId)).meta.total).toBe(1);
  });

  it('reports an unknown menu item as not found', async () => {
    const clientId = await smsClient();
    expect(await client.sendQuestion(1, clientId).catch((e: unknown) => e)).toBeInstanceOf(
      Chat2DeskNotFoundError,
    );
  });
});

describe('Chat2DeskClient: reference lists', () => {
  it('reads roles, dialog states, transports and API modes', async () => {
    expect(await client.getRoles()).toContain('supervisor');
    expect(await client.getDialogStates()).toEqual(['open', 'closed']);
    const transports = await client.getTransports();
    expect(transports['whatsapp']?.to_client.text).toBe('yes');
    const modes = await client.getApiModes();
    expect(modes.map((m) => m.name)).toEqual(['disabled', 'demo', 'normal', 'unlimited']);
  });

  it('lists regions, countries and channels (with the phone filter)', async () => {
    const regions = await client.listRegions();
    expect(regions.data[0]).toMatchObject({ id: 1, country: expect.any(String), region: expect.any(String) });
    const countries = await client.listCountries({ limit: 2 });
    expect(countries.data).toHaveLength(2);
    expect(countries.meta.limit).toBe(2);
    expect(countries.meta.total).toBeGreaterThan(2);
    const channels = await client.listChannels();
    expect(channels.data.map((c) => c.id)).toEqual([1, 2, 3]);
    const viber = await client.listChannels({ phone: '79000000002' });
    expect(viber.data).toEqual([{ id: 2, name: 'Viber only', phone: '79000000002', transports: ['viber'] }]);
  });
});

describe('Chat2DeskClient: request counts', () => {
  it('counts every request sent, in total and per endpoint template', async () => {
    const counted = new Chat2DeskClient({ baseUrl: sb.url, token: sb.token });
    const before = sb.state.requestCount;
    try {
      const id = await (async () =>
        (await counted.createClient({ phone: nextPhone(), transport: 'sms' })).id)();
      await counted.getClient(id);
      await counted.getClient(id);
      await counted.getClient(987_655).catch(() => undefined);
      await counted.sendMessage({ clientId: id, text: 'counted' });
      await counted.findClientByPhone('79000000000');
    } finally {
      await counted.close();
    }
    expect(counted.requestCount).toBe(6);
    expect(counted.requestCounts()).toEqual({
      'POST /v1/clients': 1,
      'GET /v1/clients/:id': 3,
      'POST /v1/messages': 1,
      'GET /v1/clients': 1,
    });
    expect(sb.state.requestCount - before).toBe(6);
  });
});
