import { describe, expect, it } from 'vitest';
import { skipCancelledReminders } from '../../../src/appointments/sql/skipCancelledReminders.js';
import {
  at,
  fileTestDatabase,
  seedAppointmentWithReminders,
  seedReminderCampaignBeforeAll,
  T,
} from '../seedReminders.js';

const db = fileTestDatabase(['delivery_events', 'deliveries', 'appointments', 'contacts']);
const reminder = seedReminderCampaignBeforeAll(db);

/** An appointment booked at `at(30)` with its two reminders queued, then given `status`. */
async function appointmentWithReminders(externalId: string, status: 'booked' | 'cancelled'): Promise<number> {
  const phone = `7999${Math.floor(1e7 + Math.random() * 8e7)}`;
  const id = await seedAppointmentWithReminders(db, reminder.campaign, externalId, at(30), phone);
  await db.sql`update appointments set status = ${status}::appointment_status where id = ${id}`;
  return id;
}

function skip(appointmentIds: number[], now = at(1)) {
  return db.sql.begin((tx) => skipCancelledReminders(tx, { appointmentIds, now }));
}

async function reminders() {
  return db.sql<{ external_id: string; state: string; reason: string | null }[]>`
    select a.external_id, d.state::text, d.reason
    from deliveries d join appointments a on a.id = d.appointment_id order by a.external_id, d.due_at`;
}

describe('skipCancelledReminders', () => {
  it('skips the queued and waiting reminders of a cancelled appointment with reason appointment_cancelled, an event each', async () => {
    const id = await appointmentWithReminders('A', 'cancelled');
    await db.sql`update deliveries set state = 'waiting', reason = 'outside_send_window', locked_by = 'w1', locked_at = ${T}
                 where appointment_id = ${id} and due_at = ${at(6)}`;

    expect(await skip([id])).toBe(2);

    expect(await reminders()).toEqual([
      { external_id: 'A', state: 'skipped', reason: 'appointment_cancelled' },
      { external_id: 'A', state: 'skipped', reason: 'appointment_cancelled' },
    ]);
    expect(await db.sql`select count(*)::int as n from deliveries where locked_by is not null`).toEqual([
      { n: 0 },
    ]);
    const events =
      await db.sql`select from_state, to_state, reason, at from delivery_events order by from_state`;
    expect(events).toEqual([
      { from_state: 'queued', to_state: 'skipped', reason: 'appointment_cancelled', at: at(1) },
      { from_state: 'waiting', to_state: 'skipped', reason: 'appointment_cancelled', at: at(1) },
    ]);
  });

  it('leaves the reminders of a given appointment that is not cancelled', async () => {
    const booked = await appointmentWithReminders('booked', 'booked');
    expect(await skip([booked])).toBe(0);
    expect((await reminders()).map((r) => r.state)).toEqual(['queued', 'queued']);
  });

  it('leaves the reminders of a cancelled appointment it is not given', async () => {
    const given = await appointmentWithReminders('given', 'cancelled');
    await appointmentWithReminders('other', 'cancelled');

    expect(await skip([given])).toBe(2);

    expect((await reminders()).filter((r) => r.external_id === 'other').map((r) => r.state)).toEqual([
      'queued',
      'queued',
    ]);
  });

  it('leaves a reminder already sent or being sent', async () => {
    const id = await appointmentWithReminders('A', 'cancelled');
    await db.sql`update deliveries set state = 'sent', sent_at = ${T} where due_at = ${at(6)}`;
    await db.sql`update deliveries set state = 'sending' where due_at = ${at(28)}`;

    expect(await skip([id])).toBe(0);
    expect((await reminders()).map((r) => r.state)).toEqual(['sent', 'sending']);
  });

  it('skips nothing a second time, and nothing for no appointments', async () => {
    const id = await appointmentWithReminders('A', 'cancelled');
    expect(await skip([id])).toBe(2);
    expect(await skip([id])).toBe(0);
    expect(await skip([])).toBe(0);
    expect(await db.sql`select count(*)::int as n from delivery_events`).toEqual([{ n: 2 }]);
  });
});
