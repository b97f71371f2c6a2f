import type { Sql } from '../../db/database.js';

/**
 * Brings forward deliveries waiting for one thing (a reason) that is over now, so they are claimed
 * at once instead of at the time guessed when they were put back. Not a change of state: they stay
 * `waiting` with their reason, only their next attempt moves (never later than it was).
 */
export async function wakeWaitingDeliveries(sql: Sql, reason: string, now: Date): Promise<number> {
  const woken = await sql`
    update deliveries set next_attempt_at = ${now}
    where state = 'waiting' and reason = ${reason} and next_attempt_at > ${now}`;
  return woken.count;
}
