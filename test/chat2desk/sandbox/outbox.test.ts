import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../../src/clock.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, asserted field by field
type Json = any;

const DELAY = 420_000;
const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);

let sb: Sandbox;
let clock: ManualClock;

async function start(options: SandboxOptions = {}) {
  clock = new ManualClock(T0);
  sb = await startSandbox({ port: 0, clock, ...options });
}
afterEach(async () => {
  await sb.close();
});

async function api(method: string, path: string, body?: unknown) {
  const res = await request(`${sb.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: sb.token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

async function createClient(phone: string, transport: string, channelId = 1): Promise<number> {
  const res = await api('POST', `/v1/clients?phone=${phone}&transport=${transport}&channel_id=${channelId}`);
  expect(res.status).toBe(200);
  return res.body.data.id;
}

describe('the WhatsApp delay for clients created through the API, in hold mode', () => {
  it('accepts the message at once but sends it only once the delay has passed', async () => {
    await start();
    const clientId = await createClient('79310001122', 'whatsapp');
    clock.advance(60_000);
    const res = await api('POST', '/v1/messages', { client_id: clientId, text: 'Welcome' });
    expect(res.status).toBe(200);
    const [message] = sb.state.messagesTo(clientId);
    expect(message!.acceptedAt.getTime()).toBe(T0 + 60_000);
    expect(message!.sentAt).toBeNull();

    clock.set(T0 + DELAY - 1);
    expect(message!.sentAt).toBeNull();
    clock.set(T0 + DELAY);
    expect(message!.sentAt?.getTime()).toBe(T0 + DELAY);
    expect(sb.state.clients.get(clientId)!.whatsappAddedAt()?.getTime()).toBe(T0);
  });

  it('sends at once when the delay has already passed', async () => {
    await start();
    const clientId = await createClient('79310001122', 'whatsapp');
    clock.advance(DELAY + 5_000);
    await api('POST', '/v1/messages', { client_id: clientId, text: 'Hi' });
    const [message] = sb.state.messagesTo(clientId);
    expect(message!.sentAt?.getTime()).toBe(T0 + DELAY + 5_000);
  });

  it('counts the delay from when WhatsApp was added, not from when the client was created', async () => {
    await start();
    const clientId = await createClient('79310001122', 'viber', 2);
    clock.advance(3_600_000);
    await createClient('79310001122', 'whatsapp', 1);
    await api('POST', '/v1/messages', { client_id: clientId, text: 'Hi', transport: 'whatsapp' });
    const [message] = sb.state.messagesTo(clientId);
    expect(message!.sentAt).toBeNull();
    clock.advance(DELAY);
    expect(message!.sentAt?.getTime()).toBe(T0 + 3_600_000 + DELAY);
  });

  it('does not hold other transports', async () => {
    await start();
    const clientId = await createClient('79310001122', 'sms');
    await api('POST', '/v1/messages', { client_id: clientId, text: 'Hi' });
    expect(sb.state.messagesTo(clientId)[0]!.sentAt?.getTime()).toBe(T0);
  });

  it('lets GET /gateway/delete_outbox drop held messages, which then never go out', async () => {
    await start();
    const clientId = await createClient('79310001122', 'whatsapp');
    await api('POST', '/v1/messages', { client_id: clientId, text: 'Held' });
    const dropped = await api('GET', '/gateway/delete_outbox');
    expect(dropped.body.data).toEqual({ deleted: 1 });
    clock.advance(DELAY * 2);
    const [message] = sb.state.messagesTo(clientId);
    expect(message!.droppedAt?.getTime()).toBe(T0);
    expect(message!.sentAt).toBeNull();
    expect((await api('GET', `/v1/messages?client_id=${clientId}`)).body.data).toEqual([]);
    expect((await api('GET', `/v1/messages/${message!.id}`)).status).toBe(404);
  });
});

describe('the WhatsApp delay in refuse mode', () => {
  it('answers 400 with an error envelope before the delay and stores nothing, then accepts', async () => {
    await start({ whatsappEarlyMessage: 'refuse' });
    const clientId = await createClient('79310001122', 'whatsapp');
    clock.advance(DELAY - 1000);
    const early = await api('POST', '/v1/messages', { client_id: clientId, text: 'Too early' });
    expect(early.status).toBe(400);
    expect(early.body.status).toBe('error');
    expect(early.body.message).toMatch(/^client_id: .*WhatsApp.*in 1 s$/);
    expect(sb.state.messages).toHaveLength(0);

    clock.advance(1000);
    const onTime = await api('POST', '/v1/messages', { client_id: clientId, text: 'On time' });
    expect(onTime.status).toBe(200);
    expect(sb.state.messagesTo(clientId)[0]!.sentAt?.getTime()).toBe(T0 + DELAY);
  });

  it('honours a configured delay', async () => {
    await start({ whatsappEarlyMessage: 'refuse', whatsappDelayMs: 10_000 });
    const clientId = await createClient('79310001122', 'whatsapp');
    clock.advance(9_999);
    expect((await api('POST', '/v1/messages', { client_id: clientId, text: 'x' })).status).toBe(400);
    clock.advance(1);
    expect((await api('POST', '/v1/messages', { client_id: clientId, text: 'x' })).status).toBe(200);
  });
});

describe('recipient_status', () => {
  it('goes sent, delivered, read on the business clock for Viber, and read follows it', async () => {
    await start();
    const clientId = await createClient('79310001122', 'viber', 2);
    await api('POST', '/v1/messages', { client_id: clientId, text: 'Hi' });
    const status = async () => {
      const res = await api('GET', `/v1/messages?client_id=${clientId}`);
      return [res.body.data[0].recipient_status, res.body.data[0].read];
    };
    expect(await status()).toEqual(['sent', false]);
    clock.advance(1999);
    expect(await status()).toEqual(['sent', false]);
    clock.advance(1);
    expect(await status()).toEqual(['delivered', false]);
    clock.advance(8000);
    expect(await status()).toEqual(['read', true]);
  });

  it('is null where the transport does not report it', async () => {
    await start();
    const clientId = await createClient('79310001122', 'sms');
    await api('POST', '/v1/messages', { client_id: clientId, text: 'Hi' });
    clock.advance(60_000);
    const res = await api('GET', `/v1/messages?client_id=${clientId}`);
    expect(res.body.data[0]).toMatchObject({ recipient_status: null, read: true });
  });

  it('is failed for unreachable phones', async () => {
    await start({ unreachablePhonePattern: /^7999/ });
    const bad = await createClient('79990000000', 'viber', 2);
    const good = await createClient('79310001122', 'viber', 2);
    await api('POST', '/v1/messages', { client_id: bad, text: 'x' });
    await api('POST', '/v1/messages', { client_id: good, text: 'x' });
    clock.advance(60_000);
    expect(sb.state.messagesTo(bad)[0]!.recipientStatus).toBe('failed');
    expect(sb.state.messagesTo(good)[0]!.recipientStatus).toBe('read');
  });

  it('is pending while a message is held, on transports that report status', async () => {
    await start({
      recipientStatusTransports: ['whatsapp'],
      statusTimings: { deliveredAfterMs: 500, readAfterMs: 900 },
    });
    const clientId = await createClient('79310001122', 'whatsapp');
    await api('POST', '/v1/messages', { client_id: clientId, text: 'Held' });
    const [message] = sb.state.messagesTo(clientId);
    expect(message!.recipientStatus).toBe('pending');
    clock.advance(DELAY);
    expect(message!.recipientStatus).toBe('sent');
    clock.advance(500);
    expect(message!.recipientStatus).toBe('delivered');
    clock.advance(400);
    expect(message!.recipientStatus).toBe('read');
  });
});
