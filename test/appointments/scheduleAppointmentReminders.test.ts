import { beforeEach, describe, expect, it } from 'vitest';
import { scheduleAppointmentReminders } from '../../src/appointments/scheduleAppointmentReminders.js';
import { cancelCampaign } from '../../src/campaigns/lifecycle.js';
import { DELIVERIES_CHANNEL } from '../../src/db/channels.js';
import { at, createReminderCampaign, fileTestDatabase, seedAppointment, T } from './seedReminders.js';

const db = fileTestDatabase(['campaigns', 'appointments', 'contacts']);
let campaignId: number;
beforeEach(async () => {
  ({ id: campaignId } = await createReminderCampaign(db));
});

/** An appointment written straight to the table: only the function under test makes its reminders. */
const appointment = (externalId: string, startsAt: Date, phone = '79990000001'): Promise<number> =>
  seedAppointment(db, externalId, startsAt, { phone });

function schedule(ids: number[], now = T) {
  return db.sql.begin((tx) => scheduleAppointmentReminders(tx, ids, { now }));
}

/** The notifications that reached a listener while `action` ran and committed, in order. */
async function notificationsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  let sawMarker: () => void = () => {};
  const marker = new Promise<void>((resolve) => {
    sawMarker = resolve;
  });
  const listener = await db.sql.listen(DELIVERIES_CHANNEL, (payload) => {
    if (payload === 'marker') sawMarker();
    else seen.push(payload);
  });
  await action();
  // Notifications arrive in commit order: once the marker is here, the action's would have been too.
  await db.sql`select pg_notify(${DELIVERIES_CHANNEL}, 'marker')`;
  await marker;
  await listener.unlisten();
  return seen;
}

describe('scheduleAppointmentReminders', () => {
  it('changes nothing for no appointments', async () => {
    expect(await schedule([])).toEqual({ queued: 0, moved: 0, skipped: 0 });
  });

  it('queues the missing reminders of new appointments, and nothing more when run again', async () => {
    const a = await appointment('A', at(30));
    const b = await appointment('B', at(5), '79990000002');

    expect(await schedule([a, b])).toEqual({ queued: 3, moved: 0, skipped: 1 });
    expect(await schedule([a, b])).toEqual({ queued: 0, moved: 0, skipped: 0 });
  });

  it('counts the reminders it skips for a cancellation, a move too late and one too late to create, together', async () => {
    const cancelled = await appointment('cancelled', at(30), '79990000001');
    const movedLate = await appointment('moved-late', at(30), '79990000002');
    await schedule([cancelled, movedLate]);
    await db.sql`update appointments set status = 'cancelled' where id = ${cancelled}`;
    await db.sql`update appointments set starts_at = ${at(3)} where id = ${movedLate}`;

    // cancelled: 2 skipped; moved-late: -24h skipped booked_late on the move (-2h is to come), -2h moved to at(1).
    expect(await schedule([cancelled, movedLate])).toEqual({ queued: 0, moved: 1, skipped: 3 });
    const reasons = await db.sql`select reason, count(*)::int as n from deliveries group by 1 order by 1`;
    expect(reasons).toEqual([
      { reason: 'appointment_cancelled', n: 2 },
      { reason: 'booked_late', n: 1 },
      { reason: 'rescheduled', n: 1 },
    ]);
  });

  it('creates no reminders when no reminder campaign takes new ones', async () => {
    await cancelCampaign(db.sql, campaignId, { now: T });
    const id = await appointment('A', at(30));

    expect(await schedule([id])).toEqual({ queued: 0, moved: 0, skipped: 0 });
    expect(await db.sql`select count(*)::int as n from deliveries`).toEqual([{ n: 0 }]);
  });

  it('wakes the workers at commit when it queues or moves a reminder', async () => {
    const id = await appointment('A', at(30));
    expect(await notificationsDuring(() => schedule([id]))).toEqual(['']);

    await db.sql`update appointments set starts_at = ${at(31)} where id = ${id}`;
    expect(await notificationsDuring(() => schedule([id]))).toEqual(['']);
  });

  it('wakes no worker when it only skips, or when the caller rolls back', async () => {
    const id = await appointment('A', at(30));
    await schedule([id]);
    await db.sql`update appointments set status = 'cancelled' where id = ${id}`;
    expect(await notificationsDuring(() => schedule([id]))).toEqual([]);

    const other = await appointment('B', at(30), '79990000002');
    const rolledBack = () =>
      db.sql
        .begin(async (tx) => {
          await scheduleAppointmentReminders(tx, [other], { now: T });
          throw new Error('the import failed');
        })
        .catch(() => {});
    expect(await notificationsDuring(rolledBack)).toEqual([]);
    expect(await db.sql`select count(*)::int as n from deliveries where appointment_id = ${other}`).toEqual([
      { n: 0 },
    ]);
  });
});
