import type postgres from 'postgres';
import { REASONS } from '../../delivery/states.js';

type Queryable = postgres.Sql | postgres.TransactionSql;
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * The verdict on a reminder its appointment was booked (or moved) too late for, the appointment
 * still ahead: null (send it now) for the one catch-up, else `booked_late`. The catch-up is the
 * latest offset already past, and only under bookedLate `sendNow` and while no reminder of the
 * appointment is still to come before it starts (that one will remind the client on its own).
 * Computed from the campaign's offsets alone, so the moved and the newly inserted reminders of one
 * appointment agree on a single catch-up.
 */
export function missedReminderSql(
  sql: Queryable,
  p: { now: Date; startsAt: Fragment; offset: Fragment; offsets: Fragment; policy: Fragment },
): Fragment {
  return sql`(case
    when ${p.policy} = 'sendNow'
     and not exists (select 1 from unnest(${p.offsets}) o(s)
                     where o.s <= 0 and ${p.startsAt} + make_interval(secs => o.s) >= ${p.now}::timestamptz)
     and ${p.offset} = (select max(o.s) from unnest(${p.offsets}) o(s)
                        where ${p.startsAt} + make_interval(secs => o.s) < ${p.now}::timestamptz)
      then null
    else ${REASONS.bookedLate}::text
  end)`;
}
