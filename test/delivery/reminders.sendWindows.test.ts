import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppointmentInput, upsertAppointments } from '../../src/appointments/appointments.js';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import type { DeliveryWorker } from '../../src/delivery/worker.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STEP = 15 * MINUTE;
const DAYTIME = { from: '09:00', to: '21:00' };

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function create(harness: EngineHarness, document: Record<string, unknown>) {
  const now = harness.clock.now();
  const definition = validateCampaignDefinition(
    { transport: 'sms', channelId: 1, requireOptIn: false, ...document },
    { now },
  );
  return createCampaign(harness.db, definition, { now, templatesDir: TEMPLATES });
}

function reminders(harness: EngineHarness, name: string, extra: Record<string, unknown> = {}) {
  return create(harness, {
    name,
    kind: 'reminder',
    template: `${name}: {{formatTime appointment.startsAt}}`,
    offsets: ['-2h'],
    ...extra,
  });
}

function book(harness: EngineHarness, inputs: AppointmentInput[]) {
  return upsertAppointments(harness.db.sql, inputs, { now: harness.clock.now() });
}

/** Consenting contacts in list `people`, each with its own time zone. */
async function contacts(harness: EngineHarness, people: Array<{ phone: string; timezone: string | null }>) {
  await harness.db.sql`insert into lists (name) values ('people') on conflict do nothing`;
  for (const person of people) {
    await harness.db.sql`
      with contact as (
        insert into contacts (phone, name, timezone, opted_in_at)
        values (${person.phone}, 'Vera', ${person.timezone}, ${harness.clock.now()})
        returning id
      )
      insert into list_members (list_id, contact_id) select l.id, contact.id from lists l, contact where l.name = 'people'`;
  }
}

/** Steps the engine clock (and the scheduler) to `until`, sending what is due at each step. */
async function runUntil(harness: EngineHarness, worker: DeliveryWorker, until: Date): Promise<void> {
  const timekeeper = new Timekeeper({ sql: harness.db.sql, clock: harness.clock });
  await timekeeper.tick();
  await worker.drain();
  while (harness.clock.now() < until) {
    harness.clock.advance(STEP);
    await timekeeper.tick();
    await worker.drain();
  }
}

/** As runUntil, but stopping also at each pending delivery's next attempt, so one due at 20:59 goes at 20:59. */
async function runThroughDueTimes(
  harness: EngineHarness,
  worker: DeliveryWorker,
  until: Date,
): Promise<void> {
  await worker.drain();
  while (harness.clock.now() < until) {
    const now = harness.clock.now();
    const [next] = await harness.db.sql<{ at: Date | null }[]>`
      select min(next_attempt_at) as at from deliveries
      where state in ('queued', 'waiting') and next_attempt_at > ${now}`;
    const step = now.getTime() + STEP;
    harness.clock.set(Math.min(step, next?.at?.getTime() ?? step));
    await worker.drain();
  }
}

async function reasonsOf(harness: EngineHarness, name: string) {
  return harness.db.sql<{ to_state: string; reason: string | null; at: Date }[]>`
    select e.to_state, e.reason, e.at from delivery_events e
    join deliveries d on d.id = e.delivery_id join campaigns k on k.id = d.campaign_id
    where k.name = ${name} order by e.id`;
}

/** Accepted messages by the text's first word (the campaign name) and phone. */
function accepted(harness: EngineHarness): Record<string, string> {
  const sent: Record<string, string> = {};
  for (const m of harness.sandbox.state.messages.filter((m) => m.type === 'to_client')) {
    const key = `${m.text?.split(':')[0]} ${harness.sandbox.state.client(m.clientId)?.phone}`;
    expect(sent[key], `${key} sent twice`).toBeUndefined();
    sent[key] = m.acceptedAt.toISOString();
  }
  return sent;
}

describe('send windows on reminders', () => {
  it("holds a reminder due outside its campaign's window until the window opens in the recipient's zone; a campaign without one sends at once", async () => {
    h = await createEngineHarness();
    h.clock.set('2026-11-27T12:00:00Z');
    await contacts(h, [{ phone: '79990000003', timezone: 'Asia/Vladivostok' }]);
    await reminders(h, 'windowed', { sendWindow: DAYTIME });
    await reminders(h, 'anytime');
    await book(h, [
      // 10:00 in Moscow: due 08:00 Moscow, before the window.
      {
        externalId: 'A',
        phone: '79990000001',
        startsAt: new Date('2026-11-28T07:00:00Z'),
        timezone: 'Europe/Moscow',
      },
      // 15:00 in Moscow: due inside the window.
      {
        externalId: 'B',
        phone: '79990000002',
        startsAt: new Date('2026-11-28T12:00:00Z'),
        timezone: 'Europe/Moscow',
      },
      // 10:00 in Moscow, but the contact lives in Vladivostok (UTC+10), where 05:00Z is 15:00.
      {
        externalId: 'C',
        phone: '79990000003',
        startsAt: new Date('2026-11-28T07:00:00Z'),
        timezone: 'Europe/Moscow',
      },
    ]);
    const { worker } = await h.addWorker();

    await runUntil(h, worker, new Date('2026-11-28T13:00:00Z'));

    expect(accepted(h)).toEqual({
      'windowed 79990000001': '2026-11-28T06:00:00.000Z',
      'windowed 79990000002': '2026-11-28T10:00:00.000Z',
      'windowed 79990000003': '2026-11-28T05:00:00.000Z',
      'anytime 79990000001': '2026-11-28T05:00:00.000Z',
      'anytime 79990000002': '2026-11-28T10:00:00.000Z',
      'anytime 79990000003': '2026-11-28T05:00:00.000Z',
    });
    const held = await h.db.sql`
      select d.due_at, e.to_state, e.reason, e.at
      from deliveries d join campaigns k on k.id = d.campaign_id join contacts c on c.id = d.contact_id
      join delivery_events e on e.delivery_id = d.id
      where k.name = 'windowed' and c.phone = '79990000001' order by e.id`;
    // due_at stays: the report measures the wait against it.
    const dueAt = new Date('2026-11-28T05:00:00Z');
    expect(held).toEqual([
      { due_at: dueAt, to_state: 'waiting', reason: 'outside_send_window', at: dueAt },
      { due_at: dueAt, to_state: 'sending', reason: null, at: new Date('2026-11-28T06:00:00Z') },
      { due_at: dueAt, to_state: 'sent', reason: null, at: new Date('2026-11-28T06:00:00Z') },
    ]);
  });

  it.each([
    // Fall back: 10:00 EST on 2026-11-01 is 15:00Z; due 08:00 EST, the window opens 09:00 EST = 14:00Z.
    ['fall back', '2026-10-31T00:00:00Z', '2026-11-01T15:00:00Z', '2026-11-01T14:00:00.000Z'],
    // Spring forward: 10:00 EDT on 2026-03-08 is 14:00Z; the window opens 09:00 EDT = 13:00Z.
    ['spring forward', '2026-03-07T00:00:00Z', '2026-03-08T14:00:00Z', '2026-03-08T13:00:00.000Z'],
  ])('opens at 09:00 local on the day New York changes clocks (%s)', async (_, now, startsAt, expected) => {
    h = await createEngineHarness();
    h.clock.set(now);
    await reminders(h, 'windowed', { sendWindow: DAYTIME });
    await book(h, [
      { externalId: 'A', phone: '79990000001', startsAt: new Date(startsAt), timezone: 'America/New_York' },
    ]);
    const { worker } = await h.addWorker();

    await runUntil(h, worker, new Date(new Date(startsAt).getTime() + HOUR));

    expect(accepted(h)).toEqual({ 'windowed 79990000001': expected });
  });
});

describe("a reminder planned outside its window (the campaign's outsideWindow)", () => {
  // 08:00 in Moscow on 28 November: its -2h reminder is planned at 06:00, before the 09:00 opening.
  const EARLY = new Date('2026-11-28T05:00:00Z');
  // 10:00 in Moscow: planned at 08:00, and the window opens at 09:00, before the appointment.
  const LATER = new Date('2026-11-28T07:00:00Z');
  // 20:59 in Moscow the evening before: the window's last minute.
  const EVENING_BEFORE = '2026-11-27T17:59:00.000Z';

  async function bookBoth(harness: EngineHarness) {
    await book(harness, [
      { externalId: 'early', phone: '79990000001', startsAt: EARLY, timezone: 'Europe/Moscow' },
      { externalId: 'later', phone: '79990000002', startsAt: LATER, timezone: 'Europe/Moscow' },
    ]);
  }

  it("sends an 08:00 appointment's -2h reminder the evening before at the window's last minute by default, and a 10:00 one's at the 09:00 opening", async () => {
    h = await createEngineHarness();
    h.clock.set('2026-11-27T12:00:00Z');
    await reminders(h, 'auto', { sendWindow: DAYTIME });
    await bookBoth(h);
    const { worker } = await h.addWorker();

    await runThroughDueTimes(h, worker, new Date('2026-11-28T09:00:00Z'));

    expect(accepted(h)).toEqual({
      'auto 79990000001': EVENING_BEFORE,
      'auto 79990000002': '2026-11-28T06:00:00.000Z',
    });
    const events = await reasonsOf(h, 'auto');
    expect(events.filter((e) => e.reason === 'window_earlier')).toEqual([
      { to_state: 'waiting', reason: 'window_earlier', at: new Date('2026-11-27T12:00:00Z') },
    ]);
  });

  it('sends both earlier under outsideWindow earlier', async () => {
    h = await createEngineHarness();
    h.clock.set('2026-11-27T12:00:00Z');
    await reminders(h, 'earlier', { sendWindow: DAYTIME, outsideWindow: 'earlier' });
    await bookBoth(h);
    const { worker } = await h.addWorker();

    await runThroughDueTimes(h, worker, new Date('2026-11-28T09:00:00Z'));

    expect(accepted(h)).toEqual({
      'earlier 79990000001': EVENING_BEFORE,
      'earlier 79990000002': EVENING_BEFORE,
    });
  });

  it('waits under outsideWindow wait, as before: the 08:00 appointment loses its reminder, skipped too_late', async () => {
    h = await createEngineHarness();
    h.clock.set('2026-11-27T12:00:00Z');
    await reminders(h, 'wait', { sendWindow: DAYTIME, outsideWindow: 'wait' });
    await bookBoth(h);
    const { worker } = await h.addWorker();

    await runThroughDueTimes(h, worker, new Date('2026-11-28T09:00:00Z'));

    expect(accepted(h)).toEqual({ 'wait 79990000002': '2026-11-28T06:00:00.000Z' });
    const [early] = await h.db.sql`
      select d.state, d.reason from deliveries d join appointments a on a.id = d.appointment_id
      where a.external_id = 'early'`;
    expect(early).toEqual({ state: 'skipped', reason: 'too_late' });
  });

  it("waits for the window's last minute when booked while it is open, and is skipped too_late when booked after it closed", async () => {
    h = await createEngineHarness();
    h.clock.set('2026-11-27T17:30:00Z'); // 20:30 in Moscow
    await reminders(h, 'auto', { sendWindow: DAYTIME });
    await book(h, [
      { externalId: 'early', phone: '79990000001', startsAt: EARLY, timezone: 'Europe/Moscow' },
    ]);
    const { worker } = await h.addWorker();
    await runThroughDueTimes(h, worker, new Date('2026-11-27T18:30:00Z'));

    // 21:30: the window has closed, and opens again only after this 08:10 appointment.
    const tenPast = new Date(EARLY.getTime() + 10 * MINUTE);
    await book(h, [
      { externalId: 'closed', phone: '79990000002', startsAt: tenPast, timezone: 'Europe/Moscow' },
    ]);
    await runThroughDueTimes(h, worker, new Date('2026-11-28T09:00:00Z'));

    expect(accepted(h)).toEqual({ 'auto 79990000001': EVENING_BEFORE });
    const rows = await h.db.sql`
      select a.external_id, d.state, d.reason from deliveries d join appointments a on a.id = d.appointment_id
      order by a.external_id`;
    expect(rows).toEqual([
      { external_id: 'closed', state: 'skipped', reason: 'too_late' },
      { external_id: 'early', state: 'sent', reason: null },
    ]);
  });
});

describe('send windows on broadcasts', () => {
  const ZONES = [
    'Europe/Moscow',
    'America/New_York',
    'Asia/Kathmandu',
    'America/Los_Angeles',
    'Asia/Vladivostok',
  ];

  it("sends nothing outside the window in each contact's zone, and everything once, at the window's opening at the latest", async () => {
    h = await createEngineHarness();
    h.clock.set('2026-11-27T07:00:00Z');
    await contacts(
      h,
      Array.from({ length: 50 }, (_, i) => ({
        phone: String(79_000_000_000 + i),
        timezone: ZONES[i % ZONES.length]!,
      })),
    );
    const campaign = await create(h, {
      name: 'sale',
      kind: 'broadcast',
      template: 'sale: hi {{name}}',
      audience: { list: 'people' },
      schedule: { at: '2026-11-27T07:15:00Z' },
      sendWindow: DAYTIME,
    });
    const { worker } = await h.addWorker();

    await runUntil(h, worker, new Date('2026-11-28T07:00:00Z'));

    const rows = await h.db.sql<{ phone: string; timezone: string; state: string }[]>`
      select c.phone, c.timezone, d.state from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${campaign.id}`;
    expect(rows.filter((r) => r.state !== 'sent')).toEqual([]);
    const sent = accepted(h);
    expect(Object.keys(sent)).toHaveLength(50);
    const firstSend: Record<string, string> = {};
    for (const row of rows) {
      const instant = new Date(sent[`sale ${row.phone}`]!);
      const hour = Number(
        new Intl.DateTimeFormat('en-GB', {
          timeZone: row.timezone,
          hour: '2-digit',
          hourCycle: 'h23',
        }).format(instant),
      );
      expect(hour, `${row.phone} in ${row.timezone} at ${instant.toISOString()}`).toBeGreaterThanOrEqual(9);
      expect(hour).toBeLessThan(21);
      firstSend[row.timezone] = instant.toISOString();
    }
    expect(firstSend).toEqual({
      'Europe/Moscow': '2026-11-27T07:15:00.000Z', // 10:15, open
      'Asia/Kathmandu': '2026-11-27T07:15:00.000Z', // 13:00, open
      'Asia/Vladivostok': '2026-11-27T07:15:00.000Z', // 17:15, open
      'America/New_York': '2026-11-27T14:00:00.000Z', // 02:15 then: waits for 09:00 EST
      'America/Los_Angeles': '2026-11-27T17:00:00.000Z', // 23:15 the day before: waits for 09:00 PST
    });
  });

  async function broadcastAt(
    harness: EngineHarness,
    name: string,
    at: string,
    sendWindow: Record<string, string>,
  ) {
    return create(harness, {
      name,
      kind: 'broadcast',
      template: `${name}: hello`,
      audience: { list: 'people' },
      schedule: { at },
      sendWindow,
    });
  }

  it('opens a window whose opening falls in the spring-forward gap at the jump, that same day', async () => {
    h = await createEngineHarness();
    h.clock.set('2026-03-08T05:00:00Z');
    await contacts(h, [{ phone: '79990000001', timezone: 'America/New_York' }]);
    // 01:00 EST; the window opens at 02:30, which does not exist that night: at 03:00 EDT (07:00Z).
    await broadcastAt(h, 'spring', '2026-03-08T06:00:00Z', { from: '02:30', to: '04:00' });
    const { worker } = await h.addWorker();

    await runUntil(h, worker, new Date('2026-03-09T12:00:00Z'));

    expect(accepted(h)).toEqual({ 'spring 79990000001': '2026-03-08T07:00:00.000Z' });
  });

  it('does not open a window in the repeated hour a second time after the fall-back', async () => {
    h = await createEngineHarness();
    h.clock.set('2026-11-01T04:30:00Z');
    await contacts(h, [{ phone: '79990000001', timezone: 'America/New_York' }]);
    // 01:15 EDT: the window is open. 01:15 EST, an hour later: it closed at the first 01:30.
    await broadcastAt(h, 'first', '2026-11-01T05:15:00Z', { from: '01:00', to: '01:30' });
    await broadcastAt(h, 'second', '2026-11-01T06:15:00Z', { from: '01:00', to: '01:30' });
    const { worker } = await h.addWorker();

    await runUntil(h, worker, new Date('2026-11-02T12:00:00Z'));

    expect(accepted(h)).toEqual({
      'first 79990000001': '2026-11-01T05:15:00.000Z',
      'second 79990000001': '2026-11-02T06:00:00.000Z',
    });
  });
});
