import { describe, expect, it } from 'vitest';
import type { ReminderCampaign } from '../../../src/appointments/reminderCampaigns.js';
import {
  at,
  fileTestDatabase,
  insertReminders,
  seedAppointment,
  seedReminderCampaign,
} from '../seedReminders.js';

const db = fileTestDatabase(['campaigns', 'appointments', 'contacts']);

/** A reminder campaign of a name of its own, whose text tells the time. */
const reminderCampaign = (overrides: Record<string, unknown> = {}): Promise<ReminderCampaign> =>
  seedReminderCampaign(db, {
    name: `Visit reminder ${Math.random()}`,
    template: 'See you at {{formatTime appointment.startsAt}}',
    ...overrides,
  });

const appointment = (externalId: string, startsAt: Date, options: { phone?: string; status?: string } = {}) =>
  seedAppointment(db, externalId, startsAt, options);

const insert = (campaigns: ReminderCampaign[], appointments: number[] | 'upcoming') =>
  insertReminders(db, campaigns, appointments);

async function deliveries() {
  return db.sql<{ external_id: string; offset: number; state: string; reason: string | null }[]>`
    select a.external_id, split_part(d.reminder_key, ':', 2)::int / 3600 as offset, d.state::text, d.reason
    from deliveries d join appointments a on a.id = d.appointment_id
    order by a.external_id, d.due_at`;
}

describe('insertReminderDeliveries', () => {
  it('inserts nothing and counts nothing without campaigns', async () => {
    const id = await appointment('A', at(30));
    expect(await insert([], [id])).toEqual({ queued: 0, skipped: 0 });
    expect(await deliveries()).toEqual([]);
  });

  it('queues one reminder per campaign and offset, and inserts nothing when run again', async () => {
    const first = await reminderCampaign();
    const second = await reminderCampaign({ offsets: ['-1h'] });
    const id = await appointment('A', at(30));

    expect(await insert([first, second], [id])).toEqual({ queued: 3, skipped: 0 });
    expect(await insert([first, second], [id])).toEqual({ queued: 0, skipped: 0 });
    const rows = await db.sql`select campaign_id, count(*)::int as n from deliveries group by 1 order by 1`;
    expect(rows).toEqual([
      { campaign_id: first.campaignId, n: 2 },
      { campaign_id: second.campaignId, n: 1 },
    ]);
  });

  it('touches only the appointments it is given', async () => {
    const campaign = await reminderCampaign({ offsets: ['-2h'] });
    const a = await appointment('A', at(30));
    await appointment('B', at(30), { phone: '79990000002' });

    await insert([campaign], [a]);

    expect(await deliveries()).toEqual([{ external_id: 'A', offset: -2, state: 'queued', reason: null }]);
  });

  it('takes, for "upcoming", every appointment that has not started yet and no other', async () => {
    const campaign = await reminderCampaign({ offsets: ['+1h'], sendLateWithin: '4h' });
    await appointment('future', at(30));
    await appointment('started', at(-0.5), { phone: '79990000002' });

    expect(await insert([campaign], 'upcoming')).toEqual({ queued: 1, skipped: 0 });
    expect((await deliveries()).map((d) => d.external_id)).toEqual(['future']);
  });

  it('gives a cancelled appointment no reminder at all', async () => {
    const campaign = await reminderCampaign();
    const id = await appointment('A', at(30), { status: 'cancelled' });
    expect(await insert([campaign], [id])).toEqual({ queued: 0, skipped: 0 });
  });

  it('records a reminder to a phone that cannot be dialled as skipped invalid_phone', async () => {
    const campaign = await reminderCampaign({ offsets: ['-2h'] });
    const id = await appointment('A', at(30), { phone: '0999000001' });

    expect(await insert([campaign], [id])).toEqual({ queued: 0, skipped: 1 });
    expect(await deliveries()).toEqual([
      { external_id: 'A', offset: -2, state: 'skipped', reason: 'invalid_phone' },
    ]);
  });

  it('records one booked_late per appointment and offset under bookedLate skip, even when the appointment moves and is late again', async () => {
    const campaign = await reminderCampaign({ offsets: ['-24h'], bookedLate: 'skip' });
    const id = await appointment('A', at(5));
    expect(await insert([campaign], [id])).toEqual({ queued: 0, skipped: 1 });

    await db.sql`update appointments set starts_at = ${at(6)} where id = ${id}`;

    expect(await insert([campaign], [id])).toEqual({ queued: 0, skipped: 0 });
    expect(await deliveries()).toEqual([
      { external_id: 'A', offset: -24, state: 'skipped', reason: 'booked_late' },
    ]);
  });

  it('sends one catch-up for an appointment booked after its reminders: the latest missed, the earlier ones booked_late', async () => {
    const campaign = await reminderCampaign({ offsets: ['-24h', '-2h'] });
    const id = await appointment('A', at(1));

    expect(await insert([campaign], [id])).toEqual({ queued: 1, skipped: 1 });
    expect(await deliveries()).toEqual([
      { external_id: 'A', offset: -24, state: 'skipped', reason: 'booked_late' },
      { external_id: 'A', offset: -2, state: 'queued', reason: null },
    ]);
    const [queued] = await db.sql`select next_attempt_at from deliveries where state = 'queued'`;
    expect(queued?.next_attempt_at).toEqual(at(0));
  });

  it('sends no catch-up while a later reminder is still to come: the missed one is booked_late', async () => {
    const campaign = await reminderCampaign({ offsets: ['-24h', '-2h'] });
    const id = await appointment('A', at(3));

    expect(await insert([campaign], [id])).toEqual({ queued: 1, skipped: 1 });
    expect(await deliveries()).toEqual([
      { external_id: 'A', offset: -24, state: 'skipped', reason: 'booked_late' },
      { external_id: 'A', offset: -2, state: 'queued', reason: null },
    ]);
    const [queued] = await db.sql`select next_attempt_at from deliveries where state = 'queued'`;
    expect(queued?.next_attempt_at).toEqual(at(1));
  });

  it('still sends what sendLateWithin covers, and skips the rest booked_late, under bookedLate skip', async () => {
    const campaign = await reminderCampaign({
      offsets: ['-24h', '-2h'],
      bookedLate: 'skip',
      sendLateWithin: '30m',
    });
    const id = await appointment('A', at(1.75));

    expect(await insert([campaign], [id])).toEqual({ queued: 1, skipped: 1 });
    expect(await deliveries()).toEqual([
      { external_id: 'A', offset: -24, state: 'skipped', reason: 'booked_late' },
      { external_id: 'A', offset: -2, state: 'queued', reason: null },
    ]);
  });

  it('keeps too_late for appointments already booked when a campaign goes live ("upcoming")', async () => {
    const campaign = await reminderCampaign({ offsets: ['-24h', '-2h'] });
    await appointment('A', at(1));

    expect(await insert([campaign], 'upcoming')).toEqual({ queued: 0, skipped: 2 });
    expect((await deliveries()).map((d) => d.reason)).toEqual(['too_late', 'too_late']);
  });

  it('records one invalid_phone per appointment and offset, however often the appointment moves', async () => {
    const campaign = await reminderCampaign({ offsets: ['-2h'] });
    const id = await appointment('A', at(30), { phone: '0999000001' });
    expect(await insert([campaign], [id])).toEqual({ queued: 0, skipped: 1 });

    for (const hours of [31, 32, 33]) {
      await db.sql`update appointments set starts_at = ${at(hours)} where id = ${id}`;
      expect(await insert([campaign], [id])).toEqual({ queued: 0, skipped: 0 });
    }
    expect(await deliveries()).toEqual([
      { external_id: 'A', offset: -2, state: 'skipped', reason: 'invalid_phone' },
    ]);
  });

  it('records nothing for an appointment that is over, rather than a too_late for each offset', async () => {
    const campaign = await reminderCampaign({ offsets: ['-24h', '+1h'] });
    const id = await appointment('A', at(-3));
    expect(await insert([campaign], [id])).toEqual({ queued: 0, skipped: 0 });
  });
});
