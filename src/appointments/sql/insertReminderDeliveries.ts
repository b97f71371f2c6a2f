import type postgres from 'postgres';
import { REASONS } from '../../delivery/states.js';
import { DIALLABLE_PHONE_PATTERN } from '../../phones/phone.js';
import type { ReminderCampaign } from '../reminderCampaigns.js';
import { missedReminderSql } from './missedReminder.js';
import { offsetOfReminderKeySql, reminderKeySql } from './reminderKey.js';

/**
 * The reminders still missing for some appointments, in one INSERT … SELECT over
 * campaigns × their offsets × appointments: one delivery per (campaign, appointment, offset), due at
 * startsAt + offset. The reminder key (see reminderKey.ts) makes this idempotent under the unique
 * (run_id, contact_id, reminder_key): running it again, or for an appointment that did not change,
 * inserts nothing.
 *
 * Cancelled appointments get none, nor appointments outside a campaign's audience list. A reminder
 * whose due time has passed is queued for now when the campaign's sendLateWithin still covers it (its
 * due_at stays, so the report shows how late it went), and otherwise recorded as skipped `too_late` —
 * except when the appointment itself is over, which gets nothing at all (importing history is not
 * a reason to record thousands of reminders nobody could have sent). An appointment booked (or moved)
 * after some of its reminders' times, while the campaign runs, follows the campaign's bookedLate
 * (missedReminderSql): those past sendLateWithin are skipped `booked_late`, but for one catch-up sent
 * now under `sendNow`. A reminder before its appointment
 * is also too late once the appointment has started, whatever sendLateWithin says. An appointment
 * rescheduled to a time for which an offset is too late again gets no second too_late record, and one
 * whose phone cannot be dialled no second invalid_phone record.
 * Consent is checked by the worker at send time: it may still be given (or withdrawn) until then.
 */
export async function insertReminderDeliveries(
  tx: postgres.TransactionSql,
  options: {
    campaigns: readonly ReminderCampaign[];
    /** These appointments, or every appointment that has not started yet (a campaign going live). */
    appointments: readonly number[] | 'upcoming';
    now: Date;
  },
): Promise<{ queued: number; skipped: number }> {
  const { campaigns, now } = options;
  if (campaigns.length === 0) return { queued: 0, skipped: 0 };
  const appointmentFilter =
    options.appointments === 'upcoming'
      ? tx`a.starts_at > ${now}`
      : tx`a.id = any(${options.appointments as number[]}::int[])`;
  const [counts] = await tx<{ queued: number; skipped: number }[]>`
    with reminder as (
      select p.campaign_id, p.run_id, k.transport, k.channel_id, k.list_id, o.offset_seconds,
             make_interval(secs => p.late_seconds) as late, p.booked_late, k.reminder_offsets
      from unnest(${campaigns.map((c) => c.campaignId)}::int[], ${campaigns.map((c) => c.runId)}::int[],
                  ${campaigns.map((c) => c.sendLateWithinSeconds)}::int[],
                  ${campaigns.map((c) => c.bookedLate)}::text[])
             as p(campaign_id, run_id, late_seconds, booked_late)
      join campaigns k on k.id = p.campaign_id
      cross join unnest(k.reminder_offsets) as o(offset_seconds)
    ),
    candidate as (
      select rm.*, a.id as appointment_id, a.contact_id, a.starts_at, c.phone,
             a.starts_at + make_interval(secs => rm.offset_seconds) as due_at
      from appointments a
      join contacts c on c.id = a.contact_id
      cross join reminder rm
      where ${appointmentFilter} and a.status <> 'cancelled'
        and (rm.list_id is null or exists (
          select 1 from list_members m where m.list_id = rm.list_id and m.contact_id = a.contact_id))
    ),
    verdict as (
      select cd.*,
             case
               when cd.phone !~ ${DIALLABLE_PHONE_PATTERN} then ${REASONS.invalidPhone}::text
               when ${options.appointments !== 'upcoming'} and cd.due_at < ${now}::timestamptz - cd.late
                    and cd.starts_at > ${now}
                 then ${missedReminderSql(tx, { now, startsAt: tx`cd.starts_at`, offset: tx`cd.offset_seconds`, offsets: tx`cd.reminder_offsets`, policy: tx`cd.booked_late` })}
               when cd.due_at < ${now}::timestamptz - cd.late then ${REASONS.tooLate}
               when cd.offset_seconds < 0 and cd.starts_at <= ${now} then ${REASONS.tooLate}
             end as reason
      from candidate cd
      where cd.starts_at > ${now} or cd.due_at >= ${now}::timestamptz - cd.late
    ),
    inserted as (
      insert into deliveries (
        run_id, campaign_id, contact_id, reminder_key, appointment_id, state, reason, due_at, next_attempt_at,
        transport, channel_id, queued_at, skipped_at, created_at, updated_at
      )
      select v.run_id, v.campaign_id, v.contact_id,
             ${reminderKeySql(tx, tx`v.appointment_id`, tx`v.offset_seconds`, tx`v.starts_at`)},
             v.appointment_id,
             (case when v.reason is null then 'queued' else 'skipped' end)::delivery_state,
             v.reason, v.due_at, greatest(v.due_at, ${now}::timestamptz), v.transport, v.channel_id,
             case when v.reason is null then ${now}::timestamptz end,
             case when v.reason is not null then ${now}::timestamptz end,
             ${now}::timestamptz, ${now}::timestamptz
      from verdict v
      -- One skip record per appointment, offset and reason: a reschedule that is too late again, or
      -- of a contact whose phone still cannot be dialled, adds none (the report counts each once).
      where v.reason is null or not exists (
        select 1 from deliveries x
        where x.appointment_id = v.appointment_id and x.run_id = v.run_id and x.reason = v.reason
          and ${offsetOfReminderKeySql(tx, tx`x.reminder_key`)} = v.offset_seconds)
      order by v.run_id, v.contact_id, v.appointment_id, v.offset_seconds
      on conflict (run_id, contact_id, reminder_key) do nothing
      returning state
    )
    select count(*) filter (where state = 'queued')::int as queued,
           count(*) filter (where state = 'skipped')::int as skipped
    from inserted`;
  return counts ?? { queued: 0, skipped: 0 };
}
