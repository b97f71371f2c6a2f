import type postgres from 'postgres';
import { moveDeliveriesTo } from '../../delivery/sql/moveDeliveries.js';
import type { MoveDelivery } from '../../delivery/sql/moveDelivery.js';
import { PENDING_STATES, REASONS } from '../../delivery/states.js';
import type { ReminderCampaign } from '../reminderCampaigns.js';
import { missedReminderSql } from './missedReminder.js';
import { offsetOfReminderKeySql, reminderKeySql } from './reminderKey.js';

interface Decision {
  id: string;
  run_id: number;
  contact_id: number;
  old_due: Date;
  new_due: Date;
  new_key: string;
  skip_reason: string | null;
}

/**
 * Moves the pending reminders (queued or waiting) of appointments whose time (or contact) changed to
 * the new time, in place: new due_at, next_attempt_at and key, state `waiting` with reason
 * `rescheduled`, and one delivery_events row each with the old and new due times. The old time's
 * reminder is thereby gone: it cannot be sent. The claim a worker may hold is dropped, so a worker
 * that read the old time cannot record the send (its move to `sending` requires its claim).
 *
 * A moved reminder whose new due time is already past is skipped `too_late` (unless the campaign's
 * sendLateWithin covers it: then it is due now) — or, its appointment still ahead, follows the
 * campaign's bookedLate (missedReminderSql: one catch-up due now, the others `booked_late`); one whose new time already has its reminder (moved
 * back to a time whose reminder went out) is skipped `rescheduled`.
 */
export async function moveRescheduledReminders(
  tx: postgres.TransactionSql,
  options: { appointmentIds: readonly number[]; campaigns: readonly ReminderCampaign[]; now: Date },
): Promise<{ moved: number; skipped: number }> {
  const { campaigns, now } = options;
  // Decided under the rows' locks, in the caller's transaction; then moved by the delivery writer.
  const decisions = await tx<Decision[]>`
    with late as (
      select * from unnest(${campaigns.map((c) => c.campaignId)}::int[],
                           ${campaigns.map((c) => c.sendLateWithinSeconds)}::int[],
                           ${campaigns.map((c) => c.bookedLate)}::text[])
                      as p(campaign_id, late_seconds, booked_late)
    ),
    stale as (
      select d.id, d.run_id, d.due_at as old_due, a.contact_id, a.starts_at, o.offset_seconds,
             ${reminderKeySql(tx, tx`a.id`, tx`o.offset_seconds`, tx`a.starts_at`)} as new_key,
             make_interval(secs => coalesce(l.late_seconds, 0)) as late,
             coalesce(l.booked_late, 'skip') as booked_late, k.reminder_offsets
      from deliveries d
      join appointments a on a.id = d.appointment_id
      join campaigns k on k.id = d.campaign_id
      cross join lateral (select ${offsetOfReminderKeySql(tx, tx`d.reminder_key`)} as offset_seconds) o
      left join late l on l.campaign_id = d.campaign_id
      where d.appointment_id = any(${options.appointmentIds as number[]}::int[])
        and d.state in ('queued', 'waiting') and a.status <> 'cancelled'
        and (d.reminder_key <> ${reminderKeySql(tx, tx`a.id`, tx`o.offset_seconds`, tx`a.starts_at`)}
             or d.contact_id <> a.contact_id)
      order by d.id
      for update of d
    )
    select s.id::text as id, s.run_id, s.contact_id, s.old_due, s.new_key,
           s.starts_at + make_interval(secs => s.offset_seconds) as new_due,
           case
             when exists (select 1 from deliveries x
                          where x.run_id = s.run_id and x.contact_id = s.contact_id and x.reminder_key = s.new_key)
               then ${REASONS.rescheduled}::text
             when s.starts_at + make_interval(secs => s.offset_seconds) < ${now}::timestamptz - s.late
                  and s.starts_at > ${now}
               then ${missedReminderSql(tx, { now, startsAt: tx`s.starts_at`, offset: tx`s.offset_seconds`, offsets: tx`s.reminder_offsets`, policy: tx`s.booked_late` })}
             when s.starts_at + make_interval(secs => s.offset_seconds) < ${now}::timestamptz - s.late
               then ${REASONS.tooLate}
             when s.offset_seconds < 0 and s.starts_at <= ${now} then ${REASONS.tooLate}
           end as skip_reason
    from stale s`;
  const toWaiting: MoveDelivery[] = [];
  const toSkipped: MoveDelivery[] = [];
  for (const d of decisions) {
    const move = {
      id: d.id,
      runId: d.run_id,
      now,
      details: { fromDueAt: d.old_due.toISOString(), toDueAt: d.new_due.toISOString() },
    };
    const newTime = { dueAt: d.new_due, reminderKey: d.new_key, contactId: d.contact_id, release: true };
    if (d.skip_reason === null) {
      const nextAttemptAt = new Date(Math.max(d.new_due.getTime(), now.getTime()));
      toWaiting.push({
        ...move,
        to: 'waiting',
        reason: REASONS.rescheduled,
        changes: { ...newTime, nextAttemptAt },
      });
    } else if (d.skip_reason === REASONS.rescheduled) {
      // Superseded: the new time's reminder exists already, so this one keeps its old key and time.
      toSkipped.push({ ...move, to: 'skipped', reason: d.skip_reason, changes: { release: true } });
    } else {
      toSkipped.push({ ...move, to: 'skipped', reason: d.skip_reason, changes: newTime });
    }
  }
  const from = PENDING_STATES;
  const moved = await moveDeliveriesTo(tx, 'waiting', toWaiting, { from });
  const skipped = await moveDeliveriesTo(tx, 'skipped', toSkipped, { from });
  return { moved: moved.size, skipped: skipped.size };
}
