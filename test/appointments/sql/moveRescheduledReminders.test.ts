import { describe, expect, it } from 'vitest';
import type { ReminderCampaign } from '../../../src/appointments/reminderCampaigns.js';
import { moveRescheduledReminders } from '../../../src/appointments/sql/moveRescheduledReminders.js';
import { reminderKey } from '../../../src/appointments/sql/reminderKey.js';
import {
  at,
  fileTestDatabase,
  seedAppointmentWithReminders,
  seedReminderCampaignBeforeAll,
  T,
} from '../seedReminders.js';

const db = fileTestDatabase(['delivery_events', 'deliveries', 'appointments', 'contacts']);
const reminder = seedReminderCampaignBeforeAll(db, { offsets: ['-2h'], sendLateWithin: '1h' });

/** An appointment at `at(30)` whose one reminder (2 h before) is queued; the table is then changed by hand. */
const bookedAt30 = (externalId = 'A', phone = '79990000001'): Promise<number> =>
  seedAppointmentWithReminders(db, reminder.campaign, externalId, at(30), phone);

const moveTo = (id: number, startsAt: Date) =>
  db.sql`update appointments set starts_at = ${startsAt} where id = ${id}`;

function move(appointmentIds: number[], now = T, policy: Partial<ReminderCampaign> = {}) {
  return db.sql.begin((tx) =>
    moveRescheduledReminders(tx, { appointmentIds, campaigns: [{ ...reminder.campaign, ...policy }], now }),
  );
}

async function reminders() {
  return db.sql<
    {
      state: string;
      reason: string | null;
      due_at: Date;
      next_attempt_at: Date;
      reminder_key: string;
      contact_id: number;
    }[]
  >`select state::text, reason, due_at, next_attempt_at, reminder_key, contact_id from deliveries order by id`;
}

describe('moveRescheduledReminders', () => {
  it('moves nothing for an appointment whose reminders already fit its time', async () => {
    const id = await bookedAt30();
    expect(await move([id])).toEqual({ moved: 0, skipped: 0 });
    expect((await reminders())[0]?.state).toBe('queued');
  });

  it('moves a queued and a waiting reminder in place to waiting/rescheduled with the new key and due time', async () => {
    const a = await bookedAt30('A', '79990000001');
    const b = await bookedAt30('B', '79990000002');
    await db.sql`update deliveries set state = 'waiting', reason = 'outside_send_window' where appointment_id = ${b}`;
    await moveTo(a, at(40));
    await moveTo(b, at(40));

    expect(await move([a, b])).toEqual({ moved: 2, skipped: 0 });

    const rows = await reminders();
    expect(rows.map((r) => [r.state, r.reason, r.due_at, r.next_attempt_at])).toEqual([
      ['waiting', 'rescheduled', at(38), at(38)],
      ['waiting', 'rescheduled', at(38), at(38)],
    ]);
    expect(rows[0]?.reminder_key).toBe(reminderKey(a, -7200, at(40)));
    const events = await db.sql`select from_state, details from delivery_events order by from_state`;
    expect(events).toEqual([
      { from_state: 'queued', details: { fromDueAt: at(28).toISOString(), toDueAt: at(38).toISOString() } },
      { from_state: 'waiting', details: { fromDueAt: at(28).toISOString(), toDueAt: at(38).toISOString() } },
    ]);
  });

  it('leaves reminders that have gone out, those of appointments it is not given, and those of cancelled ones', async () => {
    const sent = await bookedAt30('sent', '79990000001');
    await bookedAt30('not-given', '79990000002');
    const cancelled = await bookedAt30('cancelled', '79990000003');
    await db.sql`update deliveries set state = 'sent', sent_at = ${T} where appointment_id = ${sent}`;
    await db.sql`update appointments set starts_at = ${at(40)}`;
    await db.sql`update appointments set status = 'cancelled' where id = ${cancelled}`;

    expect(await move([sent, cancelled])).toEqual({ moved: 0, skipped: 0 });
    expect((await reminders()).map((r) => [r.state, r.due_at])).toEqual([
      ['sent', at(28)],
      ['queued', at(28)],
      ['queued', at(28)],
    ]);
  });

  it("queues for now a moved reminder whose new due time has passed within the campaign's sendLateWithin", async () => {
    const id = await bookedAt30();
    await moveTo(id, at(1.5));

    expect(await move([id])).toEqual({ moved: 1, skipped: 0 });
    const [row] = await reminders();
    expect([row?.state, row?.due_at, row?.next_attempt_at]).toEqual(['waiting', at(-0.5), T]);
  });

  it('sends a moved reminder past sendLateWithin at once as its one catch-up, its appointment still ahead (bookedLate sendNow)', async () => {
    const id = await bookedAt30();
    await moveTo(id, at(0.5));

    expect(await move([id])).toEqual({ moved: 1, skipped: 0 });
    const [row] = await reminders();
    expect([row?.state, row?.reason, row?.due_at, row?.next_attempt_at]).toEqual([
      'waiting',
      'rescheduled',
      at(-1.5),
      T,
    ]);
  });

  it('skips a moved reminder past sendLateWithin booked_late under bookedLate skip, recording the new time it was moved to', async () => {
    const id = await bookedAt30();
    await moveTo(id, at(0.5));

    expect(await move([id], T, { bookedLate: 'skip' })).toEqual({ moved: 0, skipped: 1 });
    const [row] = await reminders();
    expect([row?.state, row?.reason, row?.due_at, row?.reminder_key]).toEqual([
      'skipped',
      'booked_late',
      at(-1.5),
      reminderKey(id, -7200, at(0.5)),
    ]);
  });

  it('skips a reminder moved to an appointment that has begun too_late, whatever bookedLate says', async () => {
    const id = await bookedAt30();
    await moveTo(id, at(-0.25));

    expect(await move([id])).toEqual({ moved: 0, skipped: 1 });
    const [row] = await reminders();
    expect([row?.state, row?.reason]).toEqual(['skipped', 'too_late']);
  });

  it("skips with reason rescheduled, keeping its old key and time, a reminder whose new time's reminder exists", async () => {
    const id = await bookedAt30();
    const [old] = await reminders();
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, reminder_key, appointment_id, state, due_at,
                              next_attempt_at, transport, channel_id, sent_at, created_at, updated_at)
      select run_id, campaign_id, contact_id, ${reminderKey(id, -7200, at(40))}, appointment_id, 'sent', ${at(38)},
             ${at(38)}, transport, channel_id, ${T}, ${T}, ${T}
      from deliveries`;
    await moveTo(id, at(40));

    expect(await move([id])).toEqual({ moved: 0, skipped: 1 });
    const [row] = await reminders();
    expect([row?.state, row?.reason, row?.due_at, row?.reminder_key]).toEqual([
      'skipped',
      'rescheduled',
      at(28),
      old?.reminder_key,
    ]);
  });

  it('moves the pending reminder to the contact the appointment now belongs to, at the same time', async () => {
    const id = await bookedAt30();
    const [other] = await db.sql<
      { id: number }[]
    >`insert into contacts (phone) values ('79990000009') returning id`;
    await db.sql`update appointments set contact_id = ${other!.id} where id = ${id}`;

    expect(await move([id])).toEqual({ moved: 1, skipped: 0 });
    const [row] = await reminders();
    expect([row?.contact_id, row?.due_at, row?.reason]).toEqual([other!.id, at(28), 'rescheduled']);
  });
});
