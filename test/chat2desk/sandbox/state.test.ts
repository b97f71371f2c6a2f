import { describe, expect, it } from 'vitest';
import type { MessageInit } from '../../../src/chat2desk/sandbox/models.js';
import { DEFAULT_CHANNELS } from '../../../src/chat2desk/sandbox/options.js';
import { SandboxState } from '../../../src/chat2desk/sandbox/state.js';
import { ManualClock } from '../../../src/clock.js';

const T0 = Date.UTC(2026, 2, 10, 9);

function newState(clock = new ManualClock(T0)) {
  return new SandboxState(DEFAULT_CHANNELS, {
    clock,
    statusTimings: { deliveredAfterMs: 2000, readAfterMs: 10_000 },
  });
}

function outgoing(clientId: number, goesOutAt: Date | null, text = 'hi'): Omit<MessageInit, 'id'> {
  return {
    clientId,
    type: 'to_client',
    text,
    attachment: null,
    coordinates: null,
    transport: 'whatsapp',
    channelId: 1,
    dialogId: null,
    operatorId: null,
    acceptedAt: new Date(T0),
    goesOutAt,
    reportsStatus: false,
    unreachable: false,
    requestId: null,
  };
}

describe('SandboxState clients', () => {
  it('numbers clients from 101, finds them by id, phone or external id, and tells the country', () => {
    const state = newState();
    const byPhone = state.addClient({ phone: '77011234567' });
    const byExternal = state.addClient({ externalId: 'site-42' });
    expect([byPhone.id, byExternal.id]).toEqual([101, 102]);
    expect(state.client(101)).toBe(byPhone);
    expect(state.clientByPhone('77011234567')).toBe(byPhone);
    expect(state.clientByExternalId('site-42')).toBe(byExternal);
    expect(byPhone.countryId).toBe(9);
    expect(byExternal).toMatchObject({ phone: null, countryId: null, createdAt: new Date(T0) });
    expect(state.clientList).toEqual([byPhone, byExternal]);
  });

  it('adds a transport once per channel, keeping the first record', () => {
    const clock = new ManualClock(T0);
    const state = newState(clock);
    const client = state.addClient({ phone: '79310001122' });
    const first = state.addClientTransport(client, 1, 'whatsapp', 'api');
    clock.advance(60_000);
    const again = state.addClientTransport(client, 1, 'whatsapp', 'client');
    const other = state.addClientTransport(client, 2, 'viber', 'client');
    expect(again).toBe(first);
    expect(first).toMatchObject({ addedVia: 'api', addedAt: new Date(T0), firstInboundAt: null });
    expect(other.addedAt).toEqual(new Date(T0 + 60_000));
    expect(client.transports).toHaveLength(2);
  });
});

describe('SandboxState messages', () => {
  it('numbers messages from 10001 and splits them by direction per client', () => {
    const state = newState();
    const client = state.addClient({ phone: '79310001122' });
    const out = state.addMessage(outgoing(client.id, new Date(T0)));
    const inbound = state.addMessage({ ...outgoing(client.id, null, 'STOP'), type: 'from_client' });
    expect(out.id).toBe(10_001);
    expect(state.message(10_002)).toBe(inbound);
    expect(state.messagesTo(client.id)).toEqual([out]);
    expect(state.messagesFrom(client.id)).toEqual([inbound]);
    expect(state.messagesOf(999)).toEqual([]);
    expect(state.listedMessagesOf(999)).toEqual([]);
  });

  it('drops only held messages, which leave the listings but stay on record', () => {
    const clock = new ManualClock(T0);
    const state = newState(clock);
    const client = state.addClient({ phone: '79310001122' });
    const sent = state.addMessage(outgoing(client.id, new Date(T0), 'sent'));
    const held = state.addMessage(outgoing(client.id, new Date(T0 + 420_000), 'held'));
    const system = state.addMessage({ ...outgoing(client.id, null, 'note'), type: 'system' });
    clock.advance(1000);
    expect(state.dropHeldMessages()).toEqual([held]);
    expect(held.droppedAt).toEqual(new Date(T0 + 1000));
    expect(state.listedMessages).toEqual([sent, system]);
    expect(state.listedMessagesOf(client.id)).toEqual([sent, system]);
    expect(state.messages).toEqual([sent, held, system]);
    expect(state.messagesOf(client.id)).toHaveLength(3);
    expect(state.dropHeldMessages()).toEqual([]);
  });
});

describe('SandboxState dialogs', () => {
  it("opens a dialog numbered from 501 as the client's open one", () => {
    const state = newState();
    const client = state.addClient({ phone: '79310001122' });
    const dialog = state.openDialog(client, 2);
    expect(dialog).toEqual({
      id: 501,
      clientId: client.id,
      state: 'open',
      begin: new Date(T0),
      end: null,
      operatorId: 2,
    });
    expect(client.openDialog).toBe(dialog);
    expect(client.dialogs).toEqual([dialog]);
    expect(state.dialog(501)).toBe(dialog);
    expect(state.dialogs).toEqual([dialog]);
  });
});

describe('SandboxState.reset', () => {
  it('clears clients, messages, dialogs and counters but keeps company settings, hooks, channels and operators', () => {
    const state = newState();
    const client = state.addClient({ phone: '79310001122' });
    state.addMessage(outgoing(client.id, new Date(T0)));
    state.openDialog(client, null);
    state.requests.begin('GET', '/v1/clients', 'GET /v1/clients', T0, 0);
    state.monthlyRequests.count(T0);
    state.company.hookUrl = 'https://example.com/hook';
    state.webhooks.add(
      { name: 'h', url: 'https://example.com/h', events: ['inbox'], channels: null },
      new Date(T0),
    );

    state.reset();

    expect(state.clients.size).toBe(0);
    expect(state.clientByPhone('79310001122')).toBeUndefined();
    expect(state.messages).toEqual([]);
    expect(state.listedMessages).toEqual([]);
    expect(state.dialogs).toEqual([]);
    expect(state.requestCount).toBe(0);
    expect(state.requestsThisMonth()).toBe(0);
    expect(state.company.hookUrl).toBe('https://example.com/hook');
    expect(state.webhooks.list()).toHaveLength(1);
    expect(state.channels).toHaveLength(2);
    expect(state.operator(1)?.role).toBe('admin');
  });

  it('never reuses an id afterwards', () => {
    const state = newState();
    const client = state.addClient({ phone: '79310001122' });
    const message = state.addMessage(outgoing(client.id, new Date(T0)));
    const dialog = state.openDialog(client, null);
    state.reset();
    const again = state.addClient({ phone: '79310001122' });
    expect(again.id).toBe(client.id + 1);
    expect(state.addMessage(outgoing(again.id, new Date(T0))).id).toBe(message.id + 1);
    expect(state.openDialog(again, null).id).toBe(dialog.id + 1);
    expect(state.client(client.id)).toBeUndefined();
  });
});

describe('SandboxState counters', () => {
  it('counts requests in the month of its own clock', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 23));
    const state = newState(clock);
    state.monthlyRequests.count(clock.now().getTime());
    state.monthlyRequests.count(clock.now().getTime());
    expect(state.requestsThisMonth()).toBe(2);
    clock.set(Date.UTC(2026, 1, 1));
    expect(state.requestsThisMonth()).toBe(0);
    expect(state.nextRequestId()).toBe(1);
    expect(state.nextRequestId()).toBe(2);
  });
});
