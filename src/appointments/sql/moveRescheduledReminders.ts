import type postgres from 'postgres';
import { REASONS } from '../../delivery/states.js';
import type { ReminderCampaign } from '../reminderCampaigns.js';
import { offsetOfReminderKeySql, reminderKeySql } from './reminderKey.js';

/** An instant as JSON for the event log, the way JavaScript writes it (UTC, milliseconds, Z). */
const isoSql = (sql: postgres.TransactionSql, instant: postgres.PendingQuery<postgres.Row[]>) =>
  sql`to_char(${instant} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Moves the pending reminders (queued or waiting) of appointments whose time (or contact) changed to
 * the new time, in place: new due_at, next_attempt_at and key, state `waiting` with reason
 * `rescheduled`, and one delivery_events row each with the old and new due times. The old time's
 * reminder is thereby gone: it cannot be sent. The claim a worker may hold is dropped, so a worker
 * that read the old time cannot record the send (its move to `sending` requires its claim).
 *
 * A moved reminder whose new due time is already past is skipped `too_late` (unless the campaign's
 * sendLateWithin covers it: then it is due now); one whose new time already has its reminder (moved
 * back to a time whose reminder went out) is skipped `rescheduled`.
 */
export async function moveRescheduledReminders(
  tx: postgres.TransactionSql,
  options: { appointmentIds: readonly number[]; campaigns: readonly ReminderCampaign[]; now: Date },
): Promise<{ moved: number; skipped: number }> {
  const { campaigns, now } = options;
  const [counts] = await tx<{ moved: number; skipped: number }[]>`
    with late as (
      select * from unnest(${campaigns.map((c) => c.campaignId)}::int[],
                           ${campaigns.map((c) => c.sendLateWithinSeconds)}::int[]) as p(campaign_id, late_seconds)
    ),
    stale as (
      select d.id, d.state, d.run_id, d.due_at as old_due, a.contact_id, a.starts_at, o.offset_seconds,
             ${reminderKeySql(tx, tx`a.id`, tx`o.offset_seconds`, tx`a.starts_at`)} as new_key,
             make_interval(secs => coalesce(l.late_seconds, 0)) as late
      from deliveries d
      join appointments a on a.id = d.appointment_id
      cross join lateral (select ${offsetOfReminderKeySql(tx, tx`d.reminder_key`)} as offset_seconds) o
      left join late l on l.campaign_id = d.campaign_id
      where d.appointment_id = any(${options.appointmentIds as number[]}::int[])
        and d.state in ('queued', 'waiting') and a.status <> 'cancelled'
        and (d.reminder_key <> ${reminderKeySql(tx, tx`a.id`, tx`o.offset_seconds`, tx`a.starts_at`)}
             or d.contact_id <> a.contact_id)
      for update of d
    ),
    decided as (
      select s.*, s.starts_at + make_interval(secs => s.offset_seconds) as new_due,
             case
               when exists (select 1 from deliveries x
                            where x.run_id = s.run_id and x.contact_id = s.contact_id and x.reminder_key = s.new_key)
                 then ${REASONS.rescheduled}::text
               when s.starts_at + make_interval(secs => s.offset_seconds) < ${now}::timestamptz - s.late
                 then ${REASONS.tooLate}
               when s.offset_seconds < 0 and s.starts_at <= ${now} then ${REASONS.tooLate}
             end as skip_reason
      from stale s
    ),
    moved as (
      update deliveries d set
        state = (case when c.skip_reason is null then 'waiting' else 'skipped' end)::delivery_state,
        reason = coalesce(c.skip_reason, ${REASONS.rescheduled}),
        -- A superseded reminder keeps its old key: the new one is taken.
        reminder_key = case when c.skip_reason = ${REASONS.rescheduled} then d.reminder_key else c.new_key end,
        contact_id = case when c.skip_reason = ${REASONS.rescheduled} then d.contact_id else c.contact_id end,
        due_at = case when c.skip_reason = ${REASONS.rescheduled} then d.due_at else c.new_due end,
        next_attempt_at = case when c.skip_reason is null then greatest(c.new_due, ${now}::timestamptz)
                               else d.next_attempt_at end,
        waiting_at = case when c.skip_reason is null then ${now}::timestamptz else d.waiting_at end,
        skipped_at = case when c.skip_reason is null then d.skipped_at else ${now}::timestamptz end,
        updated_at = ${now}, locked_by = null, locked_at = null
      from decided c
      where d.id = c.id
      returning d.id, c.state as from_state, d.state as to_state, d.reason, c.old_due, c.new_due
    ),
    logged as (
      insert into delivery_events (delivery_id, from_state, to_state, reason, details, at)
      select id, from_state, to_state, reason,
             jsonb_build_object('fromDueAt', ${isoSql(tx, tx`old_due`)}, 'toDueAt', ${isoSql(tx, tx`new_due`)}), ${now}
      from moved
      returning to_state
    )
    select count(*) filter (where to_state = 'waiting')::int as moved,
           count(*) filter (where to_state = 'skipped')::int as skipped
    from logged`;
  return counts ?? { moved: 0, skipped: 0 };
}
