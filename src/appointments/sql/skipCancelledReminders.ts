import type postgres from 'postgres';
import { REASONS } from '../../delivery/states.js';

/**
 * Skips, with reason `appointment_cancelled` and an event each, the pending reminders (queued or
 * waiting) of those of the given appointments that are cancelled. The claim a worker may hold is
 * dropped, so a worker already past its checks cannot record the send.
 */
export async function skipCancelledReminders(
  tx: postgres.TransactionSql,
  options: { appointmentIds: readonly number[]; now: Date },
): Promise<number> {
  const { now } = options;
  const [skipped] = await tx<{ count: number }[]>`
    with pending as (
      select d.id, d.state from deliveries d
      join appointments a on a.id = d.appointment_id
      where d.appointment_id = any(${options.appointmentIds as number[]}::int[])
        and a.status = 'cancelled' and d.state in ('queued', 'waiting')
      for update of d
    ),
    moved as (
      update deliveries d set state = 'skipped', reason = ${REASONS.appointmentCancelled}, skipped_at = ${now},
        updated_at = ${now}, locked_by = null, locked_at = null
      from pending
      where d.id = pending.id
      returning d.id, pending.state as from_state
    ),
    logged as (
      insert into delivery_events (delivery_id, from_state, to_state, reason, at)
      select id, from_state, 'skipped', ${REASONS.appointmentCancelled}, ${now} from moved
      returning 1
    )
    select count(*)::int as count from logged`;
  return skipped?.count ?? 0;
}
