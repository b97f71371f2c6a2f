import type postgres from 'postgres';

type Queryable = postgres.Sql | postgres.TransactionSql;
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * A reminder delivery's key, `<appointmentId>:<offsetSeconds>:<startsAt in epoch ms>`: unique per run
 * and contact, so creating reminders is idempotent, and an appointment rescheduled after a reminder
 * was sent still gets the reminder for its new time (a different key).
 */
export function reminderKey(appointmentId: number, offsetSeconds: number, startsAt: Date): string {
  return `${appointmentId}:${offsetSeconds}:${startsAt.getTime()}`;
}

/** The same key computed in SQL from column expressions. */
export function reminderKeySql(
  sql: Queryable,
  appointmentId: Fragment,
  offsetSeconds: Fragment,
  startsAt: Fragment,
): Fragment {
  return sql`(${appointmentId})::text || ':' || (${offsetSeconds})::text || ':'
             || (extract(epoch from ${startsAt}) * 1000)::bigint::text`;
}

/** The offset (seconds) a reminder key was made for. */
export function offsetOfReminderKeySql(sql: Queryable, key: Fragment): Fragment {
  return sql`split_part(${key}, ':', 2)::int`;
}
