import type postgres from 'postgres';
import { DELIVERIES_CHANNEL } from '../db/channels.js';
import { planRemindersInsideWindow } from './planRemindersInsideWindow.js';
import { activeReminderCampaigns } from './reminderCampaigns.js';
import { insertReminderDeliveries } from './sql/insertReminderDeliveries.js';
import { moveRescheduledReminders } from './sql/moveRescheduledReminders.js';
import { skipCancelledReminders } from './sql/skipCancelledReminders.js';

export interface ReminderChanges {
  /** New reminders queued. */
  queued: number;
  /** Pending reminders moved to their appointment's new time. */
  moved: number;
  /** Reminders skipped: appointment_cancelled, too_late, invalid_phone or rescheduled. */
  skipped: number;
}

/**
 * Brings the reminders of some appointments in line with them, inside the caller's transaction (the
 * one that changed the appointments): pending reminders of cancelled appointments are skipped, those
 * of rescheduled ones moved, and the reminders still missing are created for every reminder campaign
 * taking them. Set-based whatever the number of appointments; workers are woken at commit.
 */
export async function scheduleAppointmentReminders(
  tx: postgres.TransactionSql,
  appointmentIds: readonly number[],
  /** defaultTimezone: DEFAULT_TIMEZONE, the worker's zone for recipients without one (UTC if not given). */
  options: { now: Date; defaultTimezone?: string | undefined },
): Promise<ReminderChanges> {
  if (appointmentIds.length === 0) return { queued: 0, moved: 0, skipped: 0 };
  const { now } = options;
  const cancelled = await skipCancelledReminders(tx, { appointmentIds, now });
  const campaigns = await activeReminderCampaigns(tx);
  const moved = await moveRescheduledReminders(tx, { appointmentIds, campaigns, now });
  const inserted = await insertReminderDeliveries(tx, { campaigns, appointments: appointmentIds, now });
  // After both: a moved or new reminder planned outside its window may go earlier (outsideWindow).
  await planRemindersInsideWindow(tx, {
    campaigns,
    appointmentIds,
    now,
    defaultTimezone: options.defaultTimezone,
  });
  if (inserted.queued + moved.moved > 0) await tx`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
  return {
    queued: inserted.queued,
    moved: moved.moved,
    skipped: cancelled + moved.skipped + inserted.skipped,
  };
}
