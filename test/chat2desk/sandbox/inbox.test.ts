import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxContext } from '../../../src/chat2desk/sandbox/context.js';
import { ApiError } from '../../../src/chat2desk/sandbox/http.js';
import { receiveClientMessage, replyAsClient, webhookPayload } from '../../../src/chat2desk/sandbox/inbox.js';
import type { ManualClock } from '../../../src/clock.js';
import { startSandboxContext } from '../../support/sandboxApi.js';

const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

/** A sandbox's shared pieces, without its HTTP server: the inbox is called in process. */
function context(): SandboxContext & { clock: ManualClock } {
  const { ctx, close } = startSandboxContext(T0, {}, []);
  closers.push(close);
  return ctx;
}

/** The ApiError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof ApiError) return error;
  throw new Error(`expected an ApiError, got ${String(error)}`);
}

describe('receiveClientMessage', () => {
  it('stores an unread from_client message in the open dialog, and makes the client reachable where it wrote', async () => {
    const ctx = context();
    const client = ctx.state.addClient({ phone: '79310001122' });
    const dialog = ctx.state.openDialog(client, 3);
    const { message, hookDelivery } = receiveClientMessage(ctx, client, {
      text: 'STOP',
      transport: 'viber',
      channelId: 2,
    });
    expect(message).toMatchObject({
      type: 'from_client',
      text: 'STOP',
      transport: 'viber',
      channelId: 2,
      dialogId: dialog.id,
      operatorId: 3,
      goesOutAt: null,
      read: false,
    });
    expect(client.unreadFromClient.has(message)).toBe(true);
    expect(client.lastInbound).toEqual({ channelId: 2, transport: 'viber' });
    expect(client.transportOn(2, 'viber')).toMatchObject({
      addedVia: 'client',
      firstInboundAt: new Date(T0),
    });
    expect(await hookDelivery).toBe(false);
  });

  it('keeps the first message and first inbound times, and moves the last', () => {
    const ctx = context();
    const client = ctx.state.addClient({ phone: '79310001122' });
    receiveClientMessage(ctx, client, { text: 'one', transport: 'sms' });
    ctx.clock.advance(60_000);
    receiveClientMessage(ctx, client, { text: 'two', transport: 'sms' });
    expect(client.firstClientMessageAt?.getTime()).toBe(T0);
    expect(client.lastClientMessageAt?.getTime()).toBe(T0 + 60_000);
    expect(client.transports).toHaveLength(1);
    expect(client.transports[0]!.firstInboundAt?.getTime()).toBe(T0);
  });

  it('routes by default where the client last wrote, else its first transport, else the first channel’s first', () => {
    const ctx = context();
    const fresh = ctx.state.addClient({ phone: '79310001122' });
    expect(receiveClientMessage(ctx, fresh, { text: 'a' }).message).toMatchObject({
      channelId: 1,
      transport: 'whatsapp',
    });
    const known = ctx.state.addClient({ phone: '79310001133' });
    ctx.state.addClientTransport(known, 2, 'viber', 'api');
    expect(receiveClientMessage(ctx, known, { text: 'b' }).message).toMatchObject({
      channelId: 2,
      transport: 'viber',
    });
    receiveClientMessage(ctx, known, { text: 'c', transport: 'telegram' });
    expect(receiveClientMessage(ctx, known, { text: 'd' }).message).toMatchObject({
      channelId: 1,
      transport: 'telegram',
    });
  });

  it('refuses a transport no channel supports naming transport, and a channel alone naming channel_id', () => {
    const ctx = context();
    const client = ctx.state.addClient({ phone: '79310001122' });
    expect(() =>
      receiveClientMessage(ctx, client, { text: 'x', transport: 'telegram', channelId: 2 }),
    ).toThrow(
      expect.objectContaining({
        field: 'transport',
        message: 'transport: no channel supports telegram in channel 2',
      }),
    );
    expect(() => receiveClientMessage(ctx, client, { text: 'x', channelId: 9 })).toThrow(
      expect.objectContaining({
        field: 'channel_id',
        message: 'channel_id: no channel supports a transport in channel 9',
      }),
    );
    expect(ctx.state.messages).toHaveLength(0);
    expect(client.transports).toHaveLength(0);
  });
});

describe('replyAsClient', () => {
  it('answers 404 for an unknown client id', async () => {
    const ctx = context();
    const error = await rejection(replyAsClient(ctx, 999, 'hi'));
    expect(error).toMatchObject({ httpStatus: 404, message: 'Client 999 not found' });
  });

  it('takes a formatted phone as its digits, and a known phone as that client', async () => {
    const ctx = context();
    const first = await replyAsClient(ctx, '+7 (931) 000-11-22', 'hi');
    const second = await replyAsClient(ctx, '79310001122', 'again');
    expect(ctx.state.clientList.map((c) => c.phone)).toEqual(['79310001122']);
    expect(second.clientId).toBe(first.clientId);
  });

  it('refuses a phone of too few or too many digits, and makes no client for a route no channel has', async () => {
    const ctx = context();
    expect(await rejection(replyAsClient(ctx, '12345', 'hi'))).toMatchObject({
      field: 'phone',
      message: 'phone: digits with the country code',
    });
    expect((await rejection(replyAsClient(ctx, '1234567890123456', 'hi'))).field).toBe('phone');
    const noRoute = await rejection(
      replyAsClient(ctx, '79310001122', 'hi', { transport: 'telegram', channelId: 2 }),
    );
    expect(noRoute.field).toBe('transport');
    expect(ctx.state.clientList).toEqual([]);
  });

  it('resolves once the v1.08 hook has received the message as GET /v1/messages lists it', async () => {
    const ctx = context();
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => {
        bodies.push(JSON.parse(raw));
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    ctx.state.company.hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const message = await replyAsClient(ctx, '79310001122', 'STOP', { transport: 'sms' });
    const client = ctx.state.client(message.clientId)!;
    expect(bodies).toEqual([webhookPayload(ctx, client, message)]);
    expect(bodies[0]).toEqual({
      id: message.id,
      text: 'STOP',
      photo: null,
      coordinates: null,
      transport: 'sms',
      type: 'from_client',
      read: false,
      created: '2026-03-10T09:00:00 UTC',
      client_id: client.id,
      recipient_status: null,
      channel_id: 1,
      dialog_id: null,
      client: { id: client.id, phone: '79310001122', name: null },
      event_time: '2026-03-10T09:00:00.000Z',
    });
  });
});
