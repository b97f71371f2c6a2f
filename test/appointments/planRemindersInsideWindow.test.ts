import { describe, expect, it } from 'vitest';
import { planRemindersInsideWindow } from '../../src/appointments/planRemindersInsideWindow.js';
import type { ReminderCampaign } from '../../src/appointments/reminderCampaigns.js';
import {
  fileTestDatabase,
  insertReminders,
  seedAppointment,
  seedReminderCampaign,
  T,
} from './seedReminders.js';

const db = fileTestDatabase(['campaigns', 'appointments', 'contacts']);

// T is 10:00 in Moscow; 08:00 tomorrow there is 05:00Z: its -2h reminder is planned at 06:00.
const EIGHT_TOMORROW = new Date('2026-11-28T05:00:00.000Z');
const LAST_MINUTE_TODAY = new Date('2026-11-27T17:59:00.000Z');

const windowed = (outsideWindow?: string) =>
  seedReminderCampaign(db, {
    name: `Windowed ${Math.random()}`,
    offsets: ['-2h'],
    timezone: 'Europe/Moscow',
    sendWindow: { from: '09:00', to: '21:00' },
    ...(outsideWindow ? { outsideWindow } : {}),
  });

const plan = (campaigns: ReminderCampaign[], appointmentIds: number[] | 'all') =>
  db.sql.begin((tx) => planRemindersInsideWindow(tx, { campaigns, appointmentIds, now: T }));

describe('planRemindersInsideWindow', () => {
  it("moves the -2h reminder of an 08:00 appointment (planned at 06:00, before the 09:00 opening) to waiting window_earlier at the window's last minute, with both times in its event", async () => {
    const campaign = await windowed();
    const id = await seedAppointment(db, 'A', EIGHT_TOMORROW);
    await insertReminders(db, [campaign], [id]);

    expect(await plan([campaign], [id])).toBe(1);

    const rows = await db.sql`select state::text, reason, due_at, next_attempt_at from deliveries`;
    expect(rows).toEqual([
      {
        state: 'waiting',
        reason: 'window_earlier',
        due_at: new Date('2026-11-28T03:00:00.000Z'),
        next_attempt_at: LAST_MINUTE_TODAY,
      },
    ]);
    const [event] = await db.sql`select to_state, reason, details from delivery_events`;
    expect(event).toEqual({
      to_state: 'waiting',
      reason: 'window_earlier',
      details: {
        plannedAt: '2026-11-28T03:00:00.000Z',
        sendsAt: LAST_MINUTE_TODAY.toISOString(),
        timeZone: 'Europe/Moscow',
      },
    });
    // Placed once: planning again moves nothing.
    expect(await plan([campaign], 'all')).toBe(0);
  });

  it("places a reminder of a recipient without a zone in DEFAULT_TIMEZONE's window, as the worker reads it", async () => {
    const campaign = await seedReminderCampaign(db, {
      name: `No zone ${Math.random()}`,
      offsets: ['-2h'],
      sendWindow: { from: '09:00', to: '21:00' },
    });
    const id = await seedAppointment(db, 'A', EIGHT_TOMORROW);
    await insertReminders(db, [campaign], [id]);

    const placed = await db.sql.begin((tx) =>
      planRemindersInsideWindow(tx, {
        campaigns: [campaign],
        appointmentIds: [id],
        now: T,
        defaultTimezone: 'Europe/Moscow',
      }),
    );

    expect(placed).toBe(1);
    const [row] = await db.sql`select next_attempt_at from deliveries`;
    expect(row?.next_attempt_at).toEqual(LAST_MINUTE_TODAY);
  });

  it('leaves the reminders of a campaign that waits for its window', async () => {
    const campaign = await windowed('wait');
    const id = await seedAppointment(db, 'A', EIGHT_TOMORROW);
    await insertReminders(db, [campaign], [id]);

    expect(await plan([campaign], [id])).toBe(0);
    expect(await db.sql`select state::text, reason from deliveries`).toEqual([
      { state: 'queued', reason: null },
    ]);
  });
});
