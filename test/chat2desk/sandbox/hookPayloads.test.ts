import { describe, expect, it } from 'vitest';
import {
  closeDialogEvent,
  inboxEvent,
  outboxEvent,
  outboxStatusEvent,
  UNDELIVERABLE_ERROR,
} from '../../../src/chat2desk/sandbox/hookPayloads.js';
import { type MessageInit, SandboxClient, SandboxMessage } from '../../../src/chat2desk/sandbox/models.js';
import { ManualClock } from '../../../src/clock.js';

const AT = new Date('2019-07-28T23:01:40.789Z');

function client(): SandboxClient {
  const c = new SandboxClient({
    id: 101,
    phone: '79310001122',
    externalId: null,
    createdAt: new Date(0),
    countryId: 1,
  });
  c.name = 'Nick';
  c.assignedName = 'Anna';
  return c;
}

function message(overrides: Partial<MessageInit> = {}): SandboxMessage {
  return new SandboxMessage(
    {
      id: 10_001,
      clientId: 101,
      type: 'to_client',
      text: 'Hello',
      attachment: null,
      coordinates: null,
      transport: 'viber',
      channelId: 2,
      dialogId: 501,
      operatorId: 7,
      acceptedAt: new Date(0),
      goesOutAt: new Date(0),
      reportsStatus: true,
      unreachable: false,
      requestId: 3,
      ...overrides,
    },
    { clock: new ManualClock(AT), statusTimings: { deliveredAfterMs: 0, readAfterMs: 0 } },
  );
}

describe('message events', () => {
  it('carry the message flat, the client with phone and client_phone, and event_time to the second with Z', () => {
    const event = inboxEvent(client(), message({ type: 'from_client', operatorId: null }), AT);
    expect(event).toEqual({
      type: 'inbox',
      channelId: 2,
      payload: {
        message_id: 10_001,
        type: 'from_client',
        text: 'Hello',
        transport: 'viber',
        client_id: 101,
        operator_id: null,
        dialog_id: 501,
        channel_id: 2,
        photo: null,
        coordinates: null,
        attachments: [],
        client: {
          id: 101,
          phone: '79310001122',
          client_phone: '79310001122',
          name: 'Nick',
          assigned_name: 'Anna',
          external_id: null,
        },
        hook_type: 'inbox',
        request_id: 3,
        event_time: '2019-07-28T23:01:40Z',
      },
    });
  });

  it('name themselves outbox for a message going out, with the attachment as photo', () => {
    const event = outboxEvent(client(), message({ attachment: 'https://files.example/a.jpg' }), AT);
    expect(event.type).toBe('outbox');
    expect(event.payload).toMatchObject({
      hook_type: 'outbox',
      photo: 'https://files.example/a.jpg',
      operator_id: 7,
    });
    expect(event.payload).not.toHaveProperty('recipient_status');
  });

  it('report a status change as outbox_status with recipient_status and no error unless failed', () => {
    for (const status of ['sent', 'delivered', 'read'] as const) {
      const event = outboxStatusEvent(client(), message(), status, AT);
      expect(event.type).toBe('outbox_status');
      expect(event.payload).toMatchObject({ hook_type: 'outbox_status', recipient_status: status });
      expect(event.payload).not.toHaveProperty('error');
    }
  });

  it('carry the messenger’s error on a failed status', () => {
    const event = outboxStatusEvent(client(), message({ unreachable: true }), 'failed', AT);
    expect(event.payload).toMatchObject({ recipient_status: 'failed', error: UNDELIVERABLE_ERROR });
    expect(UNDELIVERABLE_ERROR).toBe('Message undeliverable');
  });

  it('write a whole-second instant without milliseconds too', () => {
    const event = outboxEvent(client(), message(), new Date('2026-01-01T00:00:00.000Z'));
    expect(event.payload['event_time']).toBe('2026-01-01T00:00:00Z');
  });
});

describe('closeDialogEvent', () => {
  it('belongs to no channel and names the dialog, its operator and the client', () => {
    const event = closeDialogEvent(
      client(),
      { id: 501, clientId: 101, state: 'closed', begin: new Date(0), end: AT, operatorId: null },
      AT,
    );
    expect(event).toEqual({
      type: 'close_dialog',
      channelId: null,
      payload: {
        dialog_id: 501,
        client_id: 101,
        operator_id: null,
        client: {
          id: 101,
          phone: '79310001122',
          client_phone: '79310001122',
          name: 'Nick',
          assigned_name: 'Anna',
          external_id: null,
        },
        hook_type: 'close_dialog',
        event_time: '2019-07-28T23:01:40Z',
      },
    });
  });
});
