import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppointmentInput,
  cancelAppointment,
  upsertAppointments,
} from '../../src/appointments/appointments.js';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import type { DeliveryWorker } from '../../src/delivery/worker.js';
import { createEngineHarness, type EngineHarness, START } from '../support/engineHarness.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STEP = 15 * MINUTE;
const at = (ms: number) => new Date(START.getTime() + ms);

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function reminderCampaign(harness: EngineHarness, overrides: Record<string, unknown> = {}) {
  const now = harness.clock.now();
  const definition = validateCampaignDefinition(
    {
      name: 'Visit reminder',
      kind: 'reminder',
      transport: 'sms',
      channelId: 1,
      template:
        "{{name}}, see you on {{formatDate appointment.startsAt 'd MMMM'}} at {{formatTime appointment.startsAt}}, {{appointment.doctor}}",
      offsets: ['-24h', '-2h'],
      requireOptIn: false,
      ...overrides,
    },
    { now },
  );
  return createCampaign(harness.db, definition, { now, templatesDir: TEMPLATES });
}

function book(harness: EngineHarness, inputs: AppointmentInput[]) {
  const named = inputs.map((input) => ({ contactName: 'Anna Test', ...input }));
  return upsertAppointments(harness.db.sql, named, { now: harness.clock.now() });
}

/** Moves the engine clock on step by step until `until`, letting the worker send what is due at each. */
async function runUntil(harness: EngineHarness, worker: DeliveryWorker, until: Date): Promise<void> {
  await worker.drain();
  while (harness.clock.now() < until) {
    harness.clock.advance(STEP);
    await worker.drain();
  }
}

interface SentReminder {
  external_id: string;
  timezone: string;
  starts_at: Date;
  due_at: Date;
  sent_at: Date | null;
  state: string;
  reason: string | null;
  message_id: string | null;
}

async function reminderRows(harness: EngineHarness): Promise<SentReminder[]> {
  return harness.db.sql<SentReminder[]>`
    select a.external_id, a.timezone, a.starts_at, d.due_at, d.sent_at, d.state, d.reason,
           d.chat2desk_message_id as message_id
    from deliveries d join appointments a on a.id = d.appointment_id
    order by d.due_at, a.external_id`;
}

function outgoing(harness: EngineHarness) {
  return harness.sandbox.state.messages.filter((m) => m.type === 'to_client');
}

const ZONES = ['Europe/Moscow', 'America/New_York', 'Asia/Kathmandu', 'Europe/London', 'Asia/Vladivostok'];

describe('500 appointments across five time zones, reminded 24 h and 2 h before', () => {
  it('makes exactly 1,000 deliveries, each accepted by Chat2Desk at its due instant, in the words of its zone', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h);
    const inputs: AppointmentInput[] = Array.from({ length: 500 }, (_, i) => ({
      externalId: `visit-${i}`,
      phone: String(79_000_000_000 + i),
      contactName: `Client${i} Test`,
      // From 26 h to 50 h ahead, on odd minutes, so both reminders lie ahead and land between steps.
      startsAt: at(26 * HOUR + ((i * 7 * MINUTE) % (24 * HOUR)) + MINUTE),
      timezone: ZONES[i % ZONES.length]!,
      attributes: { doctor: `Dr. ${['Ivanov', 'Petrova', 'Sidorov'][i % 3]}` },
    }));
    for (let i = 0; i < inputs.length; i += 100) await book(h, inputs.slice(i, i + 100));
    const { worker } = await h.addWorker();

    await runUntil(h, worker, at(51 * HOUR));

    const rows = await reminderRows(h);
    expect(rows).toHaveLength(1000);
    expect(rows.filter((r) => r.state !== 'sent')).toEqual([]);
    const messages = new Map(outgoing(h).map((m) => [String(m.id), m]));
    expect(messages.size).toBe(1000);
    for (const row of rows) {
      const message = messages.get(row.message_id ?? '');
      expect(message, row.external_id).toBeDefined();
      const accepted = message!.acceptedAt.getTime();
      expect(accepted).toBeGreaterThanOrEqual(row.due_at.getTime());
      expect(accepted).toBeLessThan(row.due_at.getTime() + STEP);
      const day = new Intl.DateTimeFormat('ru-RU', { timeZone: row.timezone, day: 'numeric', month: 'long' });
      const time = new Intl.DateTimeFormat('ru-RU', {
        timeZone: row.timezone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
      expect(message!.text).toContain(
        `see you on ${day.format(row.starts_at)} at ${time.format(row.starts_at)}, Dr.`,
      );
    }
    const due = rows.map((r) => r.due_at.getTime() - r.starts_at.getTime());
    expect(due.filter((d) => d === -24 * HOUR)).toHaveLength(500);
    expect(due.filter((d) => d === -2 * HOUR)).toHaveLength(500);
  });
});

describe('consent for reminders', () => {
  const withoutPurpose = (harness: EngineHarness) => {
    const now = harness.clock.now();
    const definition = validateCampaignDefinition(
      {
        name: 'Visit reminder, consent by default',
        kind: 'reminder',
        transport: 'sms',
        channelId: 1,
        template: '{{name}}, see you at {{formatTime appointment.startsAt}}',
        offsets: ['-2h'],
      },
      { now },
    );
    return createCampaign(harness.db, definition, { now, templatesDir: TEMPLATES });
  };

  it('reaches a new patient whom the booking made a contact without opt-in: a reminder is transactional', async () => {
    h = await createEngineHarness();
    await withoutPurpose(h);
    await book(h, [
      { externalId: 'new', phone: '79990000071', startsAt: at(3 * HOUR), attributes: { doctor: 'X' } },
    ]);
    const [contact] = await h.db.sql`select opted_in_at from contacts where phone = '79990000071'`;
    expect(contact).toEqual({ opted_in_at: null });
    const { worker } = await h.addWorker();
    await runUntil(h, worker, at(2 * HOUR));

    expect((await reminderRows(h)).map((r) => [r.state, r.reason])).toEqual([['sent', null]]);
    expect(outgoing(h).map((m) => m.text)).toEqual(['Anna Test, see you at 10:00']); // START + 3 h, in UTC
  });

  it('skips a new patient on a marketing reminder campaign, and an opted-out one on any', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h, { purpose: 'marketing', requireOptIn: undefined, offsets: ['-2h'] });
    await withoutPurpose(h);
    await book(h, [
      { externalId: 'new', phone: '79990000072', startsAt: at(3 * HOUR), attributes: { doctor: 'X' } },
      { externalId: 'stopped', phone: '79990000073', startsAt: at(3 * HOUR), attributes: { doctor: 'X' } },
    ]);
    await h.db.sql`update contacts set opted_out_at = ${h.clock.now()} where phone = '79990000073'`;
    const { worker } = await h.addWorker();
    await runUntil(h, worker, at(2 * HOUR));

    const rows = await h.db.sql<
      { name: string; external_id: string; state: string; reason: string | null }[]
    >`
      select k.name, a.external_id, d.state, d.reason
      from deliveries d join appointments a on a.id = d.appointment_id join campaigns k on k.id = d.campaign_id
      order by k.id, a.external_id`;
    expect(rows).toEqual([
      { name: 'Visit reminder', external_id: 'new', state: 'skipped', reason: 'no_consent' },
      { name: 'Visit reminder', external_id: 'stopped', state: 'skipped', reason: 'opted_out' },
      { name: 'Visit reminder, consent by default', external_id: 'new', state: 'sent', reason: null },
      {
        name: 'Visit reminder, consent by default',
        external_id: 'stopped',
        state: 'skipped',
        reason: 'opted_out',
      },
    ]);
  });
});

describe('rescheduling and cancelling', () => {
  it("moves the pending reminder to the new time and never sends the old time's", async () => {
    h = await createEngineHarness();
    await reminderCampaign(h);
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(26 * HOUR), attributes: { doctor: 'X' } },
    ]);
    const { worker } = await h.addWorker();
    await runUntil(h, worker, at(3 * HOUR)); // the day-before reminder went out at +2 h

    await book(h, [{ externalId: 'A', phone: '79990000001', startsAt: at(30 * HOUR) }]);
    await runUntil(h, worker, at(31 * HOUR));

    expect(outgoing(h).map((m) => m.acceptedAt)).toEqual([at(2 * HOUR), at(6 * HOUR), at(28 * HOUR)]);
    expect(outgoing(h).map((m) => m.text?.split(', ')[1])).toEqual([
      'see you on 28 ноября at 09:00',
      'see you on 28 ноября at 13:00',
      'see you on 28 ноября at 13:00',
    ]);
  });

  it('skips the reminders of a cancelled appointment with reason appointment_cancelled and sends nothing', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h);
    const [booked] = await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(26 * HOUR), attributes: { doctor: 'X' } },
    ]);
    const { worker } = await h.addWorker();

    await cancelAppointment(h.db, booked!.id, { now: h.clock.now() });
    await runUntil(h, worker, at(27 * HOUR));

    expect((await reminderRows(h)).map((r) => [r.state, r.reason])).toEqual([
      ['skipped', 'appointment_cancelled'],
      ['skipped', 'appointment_cancelled'],
    ]);
    expect(outgoing(h)).toHaveLength(0);
  });

  it('skips at send time a reminder whose appointment was cancelled after the reminder was queued', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h, { offsets: ['-2h'] });
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(2 * HOUR), attributes: { doctor: 'X' } },
    ]);
    // As if cancelled by a path that does not touch the reminders (a concurrent import, say).
    await h.db.sql`update appointments set status = 'cancelled'`;
    const { worker } = await h.addWorker();

    await worker.drain();

    expect((await reminderRows(h)).map((r) => [r.state, r.reason])).toEqual([
      ['skipped', 'appointment_cancelled'],
    ]);
    expect(outgoing(h)).toHaveLength(0);
  });
});

describe('booked late', () => {
  it('sends one catch-up at once for an appointment booked 1 hour ahead (offsets -24h, -2h): the -2h one; the -24h one is skipped booked_late', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h);
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(HOUR), attributes: { doctor: 'X' } },
    ]);
    const { worker } = await h.addWorker();

    await runUntil(h, worker, at(2 * HOUR));

    const rows = await reminderRows(h);
    expect(rows.map((r) => [r.due_at, r.state, r.reason, r.sent_at])).toEqual([
      [at(-23 * HOUR), 'skipped', 'booked_late', null],
      [at(-HOUR), 'sent', null, START],
    ]);
    expect(outgoing(h)).toHaveLength(1);
  });

  it('sends nothing for an appointment booked 1 hour ahead under bookedLate skip: both reminders skipped booked_late', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h, { bookedLate: 'skip' });
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(HOUR), attributes: { doctor: 'X' } },
    ]);
    const { worker } = await h.addWorker();

    await runUntil(h, worker, at(2 * HOUR));

    const rows = await reminderRows(h);
    expect(rows.map((r) => [r.state, r.reason])).toEqual([
      ['skipped', 'booked_late'],
      ['skipped', 'booked_late'],
    ]);
    expect(outgoing(h)).toHaveLength(0);
  });

  it('sends one catch-up when an appointment is rescheduled to 1 hour ahead, past both its offsets', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h);
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(48 * HOUR), attributes: { doctor: 'X' } },
    ]);
    const { worker } = await h.addWorker();
    await worker.drain();

    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(HOUR), attributes: { doctor: 'X' } },
    ]);
    await runUntil(h, worker, at(2 * HOUR));

    const rows = await reminderRows(h);
    expect(rows.map((r) => [r.due_at, r.state, r.reason])).toEqual([
      [at(-23 * HOUR), 'skipped', 'booked_late'],
      [at(-HOUR), 'sent', null],
    ]);
    expect(outgoing(h)).toHaveLength(1);
  });

  it('sends a reminder whose time passed at once when sendLateWithin covers it, and under bookedLate skip skips it booked_late otherwise', async () => {
    h = await createEngineHarness();
    await reminderCampaign(h, { offsets: ['-2h'], sendLateWithin: '1h', bookedLate: 'skip' });
    await book(h, [
      { externalId: 'covered', phone: '79990000001', startsAt: at(90 * MINUTE), attributes: { doctor: 'X' } },
      {
        externalId: 'too-late',
        phone: '79990000002',
        startsAt: at(30 * MINUTE),
        attributes: { doctor: 'X' },
      },
    ]);
    const { worker } = await h.addWorker();

    await worker.drain();

    const rows = await reminderRows(h);
    expect(rows.map((r) => [r.external_id, r.state, r.reason])).toEqual([
      ['too-late', 'skipped', 'booked_late'],
      ['covered', 'sent', null],
    ]);
    // Lateness is measured against the untouched due time.
    expect(rows[1]!.sent_at!.getTime() - rows[1]!.due_at.getTime()).toBe(30 * MINUTE);
    expect(outgoing(h)).toHaveLength(1);
  });
});

describe('the WhatsApp new-client delay', () => {
  it('sends a reminder due before a new client may be messaged at creation + delay, late by that much', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
    await reminderCampaign(h, { transport: 'whatsapp', offsets: ['-2h'] });
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(2 * HOUR), attributes: { doctor: 'X' } },
    ]);
    const { worker } = await h.addWorker();

    await worker.drain();
    expect(await h.db.sql`select state, reason from deliveries`).toEqual([
      { state: 'waiting', reason: 'whatsapp_new_client_delay' },
    ]);
    h.clock.advance(7 * MINUTE);
    await worker.drain();

    const [row] = await reminderRows(h);
    expect(row?.state).toBe('sent');
    expect(row!.sent_at!.getTime() - row!.due_at.getTime()).toBe(7 * MINUTE);
    expect(outgoing(h).map((m) => m.acceptedAt)).toEqual([at(7 * MINUTE)]);
  });

  it('skips it too_late when creation + delay would be after the appointment has started', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
    await reminderCampaign(h, { transport: 'whatsapp', offsets: ['-15m'], sendLateWithin: '30m' });
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: at(5 * MINUTE), attributes: { doctor: 'X' } },
    ]);
    const { worker } = await h.addWorker();

    await worker.drain();
    h.clock.advance(10 * MINUTE);
    await worker.drain();

    expect((await reminderRows(h)).map((r) => [r.state, r.reason])).toEqual([['skipped', 'too_late']]);
    expect(outgoing(h)).toHaveLength(0);
  });
});
