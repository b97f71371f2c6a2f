import type postgres from 'postgres';
import type { SendWindow } from '../../messages/sendWindow.js';

/** A pending reminder whose campaign has a send window, with what placing it in the window needs. */
export interface ReminderToPlan {
  id: string;
  runId: number;
  campaignId: number;
  nextAttemptAt: Date;
  startsAt: Date;
  contactTimezone: string | null;
  appointmentTimezone: string | null;
  campaignTimezone: string | null;
  sendWindow: SendWindow;
}

/**
 * The reminders just queued (or moved, `waiting`/`rescheduled`) for some appointments — or for every
 * appointment when a campaign goes live — in the given campaigns that have a send window: the ones
 * planRemindersInsideWindow may send earlier. Reminders already placed (`window_earlier`) or held by
 * the worker for another reason are left alone.
 */
export async function remindersToPlan(
  tx: postgres.TransactionSql,
  options: { campaignIds: readonly number[]; appointmentIds: readonly number[] | 'all' },
): Promise<ReminderToPlan[]> {
  if (options.campaignIds.length === 0) return [];
  const appointmentFilter =
    options.appointmentIds === 'all'
      ? tx``
      : tx`and d.appointment_id = any(${options.appointmentIds as number[]}::int[])`;
  return tx<ReminderToPlan[]>`
    select d.id::text as id, d.run_id as "runId", d.campaign_id as "campaignId",
           d.next_attempt_at as "nextAttemptAt", a.starts_at as "startsAt",
           c.timezone as "contactTimezone", a.timezone as "appointmentTimezone",
           k.timezone as "campaignTimezone", k.send_window as "sendWindow"
    from deliveries d
    join campaigns k on k.id = d.campaign_id
    join appointments a on a.id = d.appointment_id
    join contacts c on c.id = d.contact_id
    where d.campaign_id = any(${options.campaignIds as number[]}::int[]) ${appointmentFilter}
      and k.send_window is not null
      and (d.state = 'queued' or (d.state = 'waiting' and d.reason = 'rescheduled'))
      and d.next_attempt_at < a.starts_at
    order by d.id`;
}
