import type { Sql } from '../db/database.js';
import { AWAITING_DELIVERY, receiveWebhookEvent, type WebhookPayload } from './webhookEvents.js';

/** A status report no delivery claimed within this long was about a message that is not ours. */
export const AWAITED_STATUS_HORIZON_MS = 60 * 60_000;
/** Reports applied per call: the rest wait for the next. */
const BATCH = 1_000;

/**
 * Applies status reports that came before their send was recorded (a web hook can outrun the
 * worker's write of `sent`): each whose message id a delivery now holds is received again, as if it
 * had just come. Reports no delivery claimed within the horizon are let go (marked processed), so
 * other integrations' messages do not pile up. No request to Chat2Desk: called with each status poll.
 */
export async function applyAwaitedStatuses(
  sql: Sql,
  now: Date,
): Promise<{ applied: number; dropped: number }> {
  const awaited = await sql<{ payload: WebhookPayload }[]>`
    select e.payload from webhook_events e
    where e.processed_at is null and e.error = ${AWAITING_DELIVERY}
      and exists (select 1 from deliveries d where d.chat2desk_message_id = e.chat2desk_message_id)
    order by e.id limit ${BATCH}`;
  let applied = 0;
  for (const { payload } of awaited) {
    const outcome = await receiveWebhookEvent(sql, payload, '', { now });
    if (outcome.statusApplied) applied++;
  }
  const dropped = await sql`
    update webhook_events set processed_at = ${now}
    where processed_at is null and error = ${AWAITING_DELIVERY}
      and received_at < ${new Date(now.getTime() - AWAITED_STATUS_HORIZON_MS)}`;
  return { applied, dropped: dropped.count };
}
