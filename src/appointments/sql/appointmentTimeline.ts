import type { Sql } from '../../db/database.js';

/** One reminder of an appointment: which campaign, at what offset, planned when, and what became of it. */
export interface ReminderEntry {
  deliveryId: string;
  campaignId: number;
  campaignName: string;
  /** Seconds from the appointment's start (-86400: a day before), read from the reminder key. */
  offsetSeconds: number | null;
  /** When it was planned to go out. */
  dueAt: Date;
  state: string;
  reason: string | null;
  /** When it reached its state (sent, delivered, read, failed, skipped; queued or waiting: when made). */
  at: Date;
  createdAt: Date;
  /** Its changes of state, oldest first: a reschedule's says from which planned time to which. */
  events: ReminderEvent[];
}

export interface ReminderEvent {
  at: Date;
  fromState: string | null;
  toState: string;
  reason: string | null;
  /** A reschedule's old and new planned times. */
  fromDueAt: string | null;
  toDueAt: string | null;
}

/**
 * An appointment's reminders, every one it ever had — those a reschedule or a cancel skipped too, with
 * their reason — in planned order. Reads deliveries by their appointment (an index on each partition).
 */
export async function appointmentTimeline(sql: Sql, appointmentId: number): Promise<ReminderEntry[]> {
  const reminders = await sql<(Omit<ReminderEntry, 'events'> & { runId: number })[]>`
    select d.id::text as "deliveryId", d.campaign_id as "campaignId", k.name as "campaignName",
           case when d.reminder_key ~ ':-?[0-9]+$' then split_part(d.reminder_key, ':', 2)::int end as "offsetSeconds",
           d.due_at as "dueAt", d.state::text as state, d.reason,
           coalesce(d.read_at, d.delivered_at, d.sent_at, d.failed_at, d.skipped_at, d.updated_at) as at,
           d.created_at as "createdAt", d.run_id as "runId"
    from deliveries d join campaigns k on k.id = d.campaign_id
    where d.appointment_id = ${appointmentId}
    order by d.due_at, d.id`;
  if (reminders.length === 0) return [];
  // Each reminder's events by (delivery, run): the events' primary key within its partition.
  const events = await sql<(ReminderEvent & { deliveryId: string })[]>`
    select e.delivery_id::text as "deliveryId", e.at, e.from_state::text as "fromState", e.to_state::text as "toState",
           e.reason, e.details ->> 'fromDueAt' as "fromDueAt", e.details ->> 'toDueAt' as "toDueAt"
    from delivery_events e
    join unnest(${reminders.map((r) => r.deliveryId)}::bigint[], ${reminders.map((r) => r.runId)}::int[]) as k(id, run_id)
      on e.delivery_id = k.id and e.run_id = k.run_id
    order by e.id`;
  return reminders.map(({ runId: _runId, ...reminder }) => ({
    ...reminder,
    events: events
      .filter((e) => e.deliveryId === reminder.deliveryId)
      .map(({ deliveryId: _id, ...event }) => event),
  }));
}

/** Reminders per state for each of a page of appointments. */
export async function reminderCountsOf(
  sql: Sql,
  appointmentIds: readonly number[],
): Promise<Map<number, Record<string, number>>> {
  const rows = await sql<{ appointmentId: number; state: string; n: number }[]>`
    select appointment_id as "appointmentId", state::text as state, count(*)::int as n
    from deliveries where appointment_id = any(${appointmentIds as number[]}::int[])
    group by 1, 2`;
  const counts = new Map<number, Record<string, number>>();
  for (const row of rows)
    counts.set(row.appointmentId, { ...counts.get(row.appointmentId), [row.state]: row.n });
  return counts;
}
