import { afterEach, describe, expect, it } from 'vitest';
import type { MessageInit } from '../../../src/chat2desk/sandbox/models.js';
import type { SandboxOptions } from '../../../src/chat2desk/sandbox/options.js';
import {
  clientSnapshot,
  messageSnapshot,
  stateSnapshot,
  statsSnapshot,
  webhookSnapshot,
} from '../../../src/chat2desk/sandbox/stateViews.js';
import { sandboxMessageInit, startSandboxContext } from '../../support/sandboxApi.js';

const T0 = Date.UTC(2026, 2, 10, 9);
const open: Array<() => Promise<void>> = [];

/** A sandbox context as startSandbox builds one, without the HTTP server. */
function context(options: SandboxOptions = {}) {
  const { ctx, clock, state, close } = startSandboxContext(T0, options);
  open.push(close);
  return { ctx, clock, state };
}
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

function message(clientId: number, goesOutAt: number | null, type: MessageInit['type'] = 'to_client') {
  return sandboxMessageInit({
    clientId,
    type,
    text: 'x',
    transport: 'sms',
    acceptedAt: new Date(T0),
    goesOutAt: goesOutAt === null ? null : new Date(goesOutAt),
  });
}

describe('stateSnapshot', () => {
  it('counts sent, held and dropped messages over the whole sandbox, in ISO times', () => {
    const { ctx, state } = context();
    const a = state.addClient({ phone: '79310001122' });
    const b = state.addClient({ phone: '79310001123' });
    state.addMessage(message(a.id, T0));
    state.addMessage(message(a.id, T0 + 60_000));
    state.addMessage(message(b.id, T0 + 60_000));
    state.addMessage(message(b.id, null, 'from_client'));
    state.dropHeldMessages();
    state.addMessage(message(b.id, T0 + 60_000));
    const snapshot = stateSnapshot(ctx, undefined);
    expect(snapshot.now).toBe(new Date(T0).toISOString());
    expect(snapshot.counts).toEqual({ clients: 2, messages: 5, sent: 1, held: 1, dropped: 2 });
    expect(snapshot.clients.map((c) => c.id)).toEqual([a.id, b.id]);
    expect(snapshot.messages).toHaveLength(5);
  });

  it('narrows clients, messages and dialogs to one client but keeps the counts sandbox-wide', () => {
    const { ctx, state } = context();
    const a = state.addClient({ phone: '79310001122' });
    const b = state.addClient({ phone: '79310001123' });
    state.addMessage(message(a.id, T0));
    state.addMessage(message(b.id, T0));
    state.openDialog(a, 1);
    state.openDialog(b, 2);
    const snapshot = stateSnapshot(ctx, b.id);
    expect(snapshot.clients.map((c) => c.id)).toEqual([b.id]);
    expect(snapshot.messages.map((m) => m.clientId)).toEqual([b.id]);
    expect(snapshot.dialogs).toEqual([
      { id: 502, clientId: b.id, state: 'open', begin: new Date(T0).toISOString(), end: null, operatorId: 2 },
    ]);
    expect(snapshot.counts.clients).toBe(2);
  });

  it('shows nothing for a client id that does not exist', () => {
    const { ctx, state } = context();
    state.addClient({ phone: '79310001122' });
    const snapshot = stateSnapshot(ctx, 999);
    expect(snapshot.clients).toEqual([]);
    expect(snapshot.messages).toEqual([]);
    expect(snapshot.dialogs).toEqual([]);
  });

  it('shows the company hooks as a copy', () => {
    const { ctx, state } = context();
    state.company.hookUrl = 'https://example.com/hook';
    const snapshot = stateSnapshot(ctx, undefined);
    expect(snapshot.company).toEqual({
      name: 'Sandbox company',
      hookUrl: 'https://example.com/hook',
      chatCloseHookUrl: null,
    });
    snapshot.company.hookUrl = null;
    expect(state.company.hookUrl).toBe('https://example.com/hook');
  });
});

describe('client, message and web hook snapshots', () => {
  it('show a client with its transports and open dialog in ISO times', () => {
    const { clock, state } = context();
    const client = state.addClient({ phone: '79310001122' });
    const transport = state.addClientTransport(client, 1, 'whatsapp', 'api');
    clock.advance(1000);
    transport.firstInboundAt = clock.now();
    expect(clientSnapshot(client)).toMatchObject({
      openDialogId: null,
      createdAt: '2026-03-10T09:00:00.000Z',
    });
    const dialog = state.openDialog(client, null);
    expect(clientSnapshot(client)).toMatchObject({
      openDialogId: dialog.id,
      transports: [
        {
          channelId: 1,
          transport: 'whatsapp',
          addedAt: '2026-03-10T09:00:00.000Z',
          addedVia: 'api',
          firstInboundAt: '2026-03-10T09:00:01.000Z',
        },
      ],
    });
  });

  it('show a held message with no sentAt, and its sentAt once the clock passes it', () => {
    const { clock, state } = context();
    const held = state.addMessage(message(101, T0 + 60_000));
    expect(messageSnapshot(held)).toMatchObject({
      goesOutAt: '2026-03-10T09:01:00.000Z',
      sentAt: null,
      droppedAt: null,
    });
    clock.advance(60_000);
    expect(messageSnapshot(held).sentAt).toBe('2026-03-10T09:01:00.000Z');
  });

  it('show a web hook with its errors, and events as a copy', () => {
    const { state } = context();
    const hook = state.webhooks.add(
      { name: 'ours', url: 'https://example.com/h', events: ['inbox'], channels: [1] },
      new Date(T0),
    );
    state.webhooks.recordError(hook, { at: new Date(T0 + 1000), event: 'inbox', message: 'HTTP 500' });
    const snapshot = webhookSnapshot(hook);
    expect(snapshot).toEqual({
      id: hook.id,
      name: 'ours',
      url: 'https://example.com/h',
      events: ['inbox'],
      channels: [1],
      status: 'active',
      createdAt: '2026-03-10T09:00:00.000Z',
      failingSince: null,
      disabledAt: null,
      errors: [{ at: '2026-03-10T09:00:01.000Z', event: 'inbox', message: 'HTTP 500' }],
    });
    snapshot.events.push('outbox');
    expect(hook.events).toEqual(['inbox']);
  });
});

describe('statsSnapshot', () => {
  it('shows no request times and no quota for an unused unlimited sandbox', () => {
    const { ctx } = context();
    expect(statsSnapshot(ctx)).toEqual({
      now: new Date(T0).toISOString(),
      requestCount: 0,
      requestsThisMonth: 0,
      monthlyQuota: null,
      mode: 'unlimited',
      busiestSecond: 0,
      firstRequestAt: null,
      lastRequestAt: null,
      perPath: {},
      perStatus: {},
    });
  });

  it('shows the mode quota or its override, and the first and last real arrival times', () => {
    const { ctx, state } = context({ mode: 'demo' });
    expect(statsSnapshot(ctx).monthlyQuota).toBe(1000);
    ctx.settings.monthlyQuota = 5;
    const first = state.requests.begin('GET', '/v1/clients', 'GET /v1/clients', T0, Date.UTC(2026, 0, 1));
    state.requests.finish(first, 200);
    state.requests.begin('GET', '/v1/x', 'GET /v1/x', T0, Date.UTC(2026, 0, 1, 0, 0, 2));
    state.monthlyRequests.count(T0);
    expect(statsSnapshot(ctx)).toMatchObject({
      monthlyQuota: 5,
      mode: 'demo',
      requestCount: 2,
      requestsThisMonth: 1,
      busiestSecond: 1,
      firstRequestAt: '2026-01-01T00:00:00.000Z',
      lastRequestAt: '2026-01-01T00:00:02.000Z',
      perPath: { 'GET /v1/clients': 1, 'GET /v1/x': 1 },
      perStatus: { '0': 1, '200': 1 },
    });
  });
});
