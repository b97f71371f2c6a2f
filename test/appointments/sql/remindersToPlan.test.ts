import { describe, expect, it } from 'vitest';
import { remindersToPlan } from '../../../src/appointments/sql/remindersToPlan.js';
import {
  at,
  fileTestDatabase,
  insertReminders,
  seedAppointment,
  seedReminderCampaign,
} from '../seedReminders.js';

const db = fileTestDatabase(['campaigns', 'appointments', 'contacts']);

const campaign = (extra: Record<string, unknown> = {}) =>
  seedReminderCampaign(db, { name: `Reminder ${Math.random()}`, offsets: ['-2h'], ...extra });

const toPlan = (campaignIds: number[], appointmentIds: number[] | 'all') =>
  db.sql.begin((tx) => remindersToPlan(tx, { campaignIds, appointmentIds }));

describe('remindersToPlan', () => {
  it('gives the queued reminders of the given appointments in campaigns with a send window, with their zones and window', async () => {
    const windowed = await campaign({
      sendWindow: { from: '09:00', to: '21:00' },
      timezone: 'Europe/Moscow',
    });
    const anytime = await campaign();
    const a = await seedAppointment(db, 'A', at(30));
    const b = await seedAppointment(db, 'B', at(30), { phone: '79990000002' });
    await insertReminders(db, [windowed, anytime], [a, b]);

    const rows = await toPlan([windowed.campaignId, anytime.campaignId], [a]);
    expect(rows).toEqual([
      expect.objectContaining({
        campaignId: windowed.campaignId,
        nextAttemptAt: at(28),
        startsAt: at(30),
        contactTimezone: null,
        appointmentTimezone: null,
        campaignTimezone: 'Europe/Moscow',
        sendWindow: { from: '09:00', to: '21:00' },
      }),
    ]);
    expect(await toPlan([windowed.campaignId], 'all')).toHaveLength(2);
  });

  it('leaves out reminders already placed or held for another reason, and none for no campaigns', async () => {
    const windowed = await campaign({ sendWindow: { from: '09:00', to: '21:00' } });
    const a = await seedAppointment(db, 'A', at(30));
    await insertReminders(db, [windowed], [a]);
    await db.sql`update deliveries set state = 'waiting', reason = 'window_earlier'`;

    expect(await toPlan([windowed.campaignId], 'all')).toEqual([]);
    await db.sql`update deliveries set reason = 'rescheduled'`;
    expect(await toPlan([windowed.campaignId], 'all')).toHaveLength(1);
    expect(await toPlan([], 'all')).toEqual([]);
  });
});
