import { describe, expect, it } from 'vitest';
import {
  type MessageInit,
  OUTGOING_TYPES,
  SandboxClient,
  SandboxMessage,
} from '../../../src/chat2desk/sandbox/models.js';
import { ManualClock } from '../../../src/clock.js';
import { sandboxMessageInit } from '../../support/sandboxApi.js';

const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);
const DELIVERED = 2_000;
const READ = 10_000;

let clock: ManualClock;

function message(overrides: Partial<MessageInit> = {}): SandboxMessage {
  clock = new ManualClock(T0);
  return new SandboxMessage(
    {
      id: 10_001,
      ...sandboxMessageInit({
        clientId: 101,
        type: 'to_client',
        text: 'Hi',
        transport: 'viber',
        acceptedAt: new Date(T0),
        goesOutAt: new Date(T0 + 60_000),
        reportsStatus: true,
      }),
      ...overrides,
    },
    { clock, statusTimings: { deliveredAfterMs: DELIVERED, readAfterMs: READ } },
  );
}

function client(): SandboxClient {
  return new SandboxClient({
    id: 101,
    phone: '79310001122',
    externalId: null,
    createdAt: new Date(T0),
    countryId: null,
  });
}

describe('SandboxMessage', () => {
  it('is held until the instant it goes out, and sent from that instant on', () => {
    const m = message();
    clock.set(T0 + 60_000 - 1);
    expect(m.isHeld).toBe(true);
    expect(m.sentAt).toBeNull();
    clock.set(T0 + 60_000);
    expect(m.isHeld).toBe(false);
    expect(m.sentAt?.getTime()).toBe(T0 + 60_000);
  });

  it('reports pending, sent, delivered and read at the edges of the status timings', () => {
    const m = message();
    const out = T0 + 60_000;
    const statusAt = (ms: number) => {
      clock.set(ms);
      return m.recipientStatus;
    };
    expect(statusAt(out - 1)).toBe('pending');
    expect(statusAt(out)).toBe('sent');
    expect(statusAt(out + DELIVERED - 1)).toBe('sent');
    expect(statusAt(out + DELIVERED)).toBe('delivered');
    expect(statusAt(out + READ - 1)).toBe('delivered');
    expect(statusAt(out + READ)).toBe('read');
  });

  it('fails an unreachable one once it goes out, and keeps it unread', () => {
    const m = message({ unreachable: true });
    expect(m.recipientStatus).toBe('pending');
    clock.set(T0 + 60_000 + READ * 10);
    expect(m.recipientStatus).toBe('failed');
    expect(m.read).toBe(false);
  });

  it('once dropped is neither held nor sent and has no status', () => {
    const m = message();
    m.droppedAt = new Date(T0);
    clock.set(T0 + 60_000 + READ);
    expect(m.isHeld).toBe(false);
    expect(m.sentAt).toBeNull();
    expect(m.recipientStatus).toBeNull();
  });

  it('has no status and counts as read where the transport does not report status', () => {
    const m = message({ transport: 'sms', reportsStatus: false });
    expect(m.recipientStatus).toBeNull();
    expect(m.read).toBe(true);
  });

  it('that never goes out (a system message) is not held, not sent, without status, and read', () => {
    const m = message({ type: 'system', goesOutAt: null });
    expect(m.isHeld).toBe(false);
    expect(m.sentAt).toBeNull();
    expect(m.recipientStatus).toBeNull();
    expect(m.read).toBe(true);
  });

  it('from a client starts unread and follows the operator’s read mark', () => {
    const m = message({ type: 'from_client', goesOutAt: null, reportsStatus: false });
    expect(m.read).toBe(false);
    m.markedRead = true;
    expect(m.read).toBe(true);
    expect(OUTGOING_TYPES).not.toContain('from_client');
  });
});

describe('SandboxClient', () => {
  it('finds a transport by channel and name', () => {
    const c = client();
    const viber = {
      channelId: 2,
      transport: 'viber',
      addedAt: new Date(T0),
      addedVia: 'api' as const,
      firstInboundAt: null,
    };
    c.transports.push(viber);
    expect(c.transportOn(2, 'viber')).toBe(viber);
    expect(c.transportOn(1, 'viber')).toBeUndefined();
    expect(c.transportOn(2, 'sms')).toBeUndefined();
  });

  it('tells when WhatsApp was added: on the first channel that has it, or on the one named', () => {
    const c = client();
    const add = (channelId: number, transport: string, at: number) =>
      c.transports.push({
        channelId,
        transport,
        addedAt: new Date(at),
        addedVia: 'api',
        firstInboundAt: null,
      });
    expect(c.whatsappAddedAt()).toBeUndefined();
    add(1, 'sms', T0);
    add(3, 'whatsapp', T0 + 1000);
    add(1, 'whatsapp', T0 + 2000);
    expect(c.whatsappAddedAt()?.getTime()).toBe(T0 + 1000);
    expect(c.whatsappAddedAt(1)?.getTime()).toBe(T0 + 2000);
    expect(c.whatsappAddedAt(2)).toBeUndefined();
  });

  it('groups its transports by channel in the order the channels were first met', () => {
    const c = client();
    expect(c.transportsByChannel()).toEqual([]);
    for (const [channelId, transport] of [
      [2, 'viber'],
      [1, 'whatsapp'],
      [2, 'sms'],
    ] as const) {
      c.transports.push({
        channelId,
        transport,
        addedAt: new Date(T0),
        addedVia: 'client',
        firstInboundAt: null,
      });
    }
    expect(c.transportsByChannel()).toEqual([
      { channel_id: 2, transports: ['viber', 'sms'] },
      { channel_id: 1, transports: ['whatsapp'] },
    ]);
  });
});
