import { describe, expect, it } from 'vitest';
import { type SandboxDialog, SandboxMessage } from '../../../src/chat2desk/sandbox/models.js';
import { DEFAULT_CHANNELS } from '../../../src/chat2desk/sandbox/options.js';
import { defaultOperators } from '../../../src/chat2desk/sandbox/referenceData.js';
import { SandboxState } from '../../../src/chat2desk/sandbox/state.js';
import {
  clientDetail,
  clientItem,
  createdClient,
  dialogItem,
  messageDetail,
  messageItem,
  operatorItem,
} from '../../../src/chat2desk/sandbox/views.js';
import { ManualClock } from '../../../src/clock.js';

const T0 = Date.UTC(2026, 2, 10, 9, 30, 15, 250);

function setup() {
  const clock = new ManualClock(T0);
  const state = new SandboxState(DEFAULT_CHANNELS, {
    clock,
    statusTimings: { deliveredAfterMs: 2000, readAfterMs: 10_000 },
  });
  return { clock, state };
}

describe('message views', () => {
  it('show the manual fields of a list item, the attachment as photo and created in API time', () => {
    const { state } = setup();
    const message = state.addMessage({
      clientId: 101,
      type: 'to_client',
      text: 'Hello',
      attachment: 'https://example.com/a.jpg',
      coordinates: null,
      transport: 'sms',
      channelId: 1,
      dialogId: 501,
      operatorId: 2,
      acceptedAt: new Date(T0),
      goesOutAt: new Date(T0),
      reportsStatus: false,
      unreachable: false,
      requestId: 7,
    });
    expect(messageItem(message)).toEqual({
      id: message.id,
      text: 'Hello',
      photo: 'https://example.com/a.jpg',
      coordinates: null,
      transport: 'sms',
      type: 'to_client',
      read: true,
      created: '2026-03-10T09:30:15 UTC',
      client_id: 101,
      recipient_status: null,
    });
    expect(messageDetail(message)).toEqual({
      ...messageItem(message),
      dialog_id: 501,
      operator_id: 2,
      channel_id: 1,
    });
  });

  it('show the recipient status as of the clock now', () => {
    const { clock, state } = setup();
    const message = new SandboxMessage(
      {
        id: 1,
        clientId: 101,
        type: 'to_client',
        text: 'x',
        attachment: null,
        coordinates: null,
        transport: 'viber',
        channelId: 2,
        dialogId: null,
        operatorId: null,
        acceptedAt: new Date(T0),
        goesOutAt: new Date(T0),
        reportsStatus: true,
        unreachable: false,
        requestId: null,
      },
      { clock: state.clock, statusTimings: { deliveredAfterMs: 2000, readAfterMs: 10_000 } },
    );
    expect(messageItem(message)).toMatchObject({ recipient_status: 'sent', read: false });
    clock.advance(10_000);
    expect(messageItem(message)).toMatchObject({ recipient_status: 'read', read: true });
  });
});

describe('client views', () => {
  it('show the creation time as first and last client message until the client writes', () => {
    const { clock, state } = setup();
    const client = state.addClient({ phone: '79310001122' });
    expect(clientDetail(client)).toMatchObject({
      first_client_message: '2026-03-10T09:30:15 UTC',
      last_client_message: '2026-03-10T09:30:15 UTC',
    });
    clock.advance(3_600_000);
    client.firstClientMessageAt = clock.now();
    clock.advance(3_600_000);
    client.lastClientMessageAt = clock.now();
    expect(clientDetail(client)).toMatchObject({
      first_client_message: '2026-03-10T10:30:15 UTC',
      last_client_message: '2026-03-10T11:30:15 UTC',
    });
  });

  it('list a client with comment and country, and the detail adds the three extra comments', () => {
    const { state } = setup();
    const client = state.addClient({ phone: '79310001122' });
    client.comment = 'VIP';
    client.assignedName = 'Peter';
    client.extraComments[1] = 'second';
    expect(clientItem(client)).toEqual({
      id: client.id,
      comment: 'VIP',
      assigned_name: 'Peter',
      phone: '79310001122',
      name: null,
      avatar: null,
      region_id: null,
      country_id: 2,
    });
    expect(clientDetail(client)).toMatchObject({
      extra_comment_1: null,
      extra_comment_2: 'second',
      extra_comment_3: null,
    });
  });

  it('answer a created client without the comment field', () => {
    const { state } = setup();
    const client = state.addClient({ phone: '79310001122' });
    client.comment = 'not shown';
    const created = createdClient(client);
    expect(created).not.toHaveProperty('comment');
    expect(created).toMatchObject({ id: client.id, phone: '79310001122', country_id: 2 });
  });
});

describe('dialog and operator views', () => {
  it('show an open dialog with no end, and a closed one with its end', () => {
    const dialog: SandboxDialog = {
      id: 501,
      clientId: 101,
      state: 'open',
      begin: new Date(T0),
      end: null,
      operatorId: null,
    };
    expect(dialogItem(dialog)).toEqual({
      id: 501,
      state: 'open',
      begin: '2026-03-10T09:30:15 UTC',
      end: null,
      operator_id: null,
    });
    expect(dialogItem({ ...dialog, state: 'closed', end: new Date(T0 + 60_000) }).end).toBe(
      '2026-03-10T09:31:15 UTC',
    );
  });

  it('show an operator in snake case with the last visit in API time', () => {
    const [, operator] = defaultOperators(new Date(T0));
    expect(operatorItem(operator!)).toEqual({
      id: 2,
      email: 'operator@sandbox.example',
      phone: '15550001122',
      role: 'operator',
      online: false,
      offline_type: 'manual',
      first_name: 'John',
      last_name: 'Smith',
      last_visit: '2026-03-10T09:30:15 UTC',
    });
  });
});
