import type postgres from 'postgres';
import type { Sql } from '../db/database.js';
import { moveDeliveriesTo } from './sql/moveDeliveries.js';
import { canTransition, type DeliveryState, REASONS, SENT_STATES } from './states.js';

/** Chat2Desk's recipient_status values and the delivery state each means. */
const STATUS_TO_STATE: Record<string, DeliveryState | undefined> = {
  delivered: 'delivered',
  read: 'read',
  seen: 'read',
  failed: 'failed',
  undelivered: 'failed',
  error: 'failed',
};

/** Room kept for the messenger's words in a failure reason (reports group by the part before ':'). */
const MAX_ERROR_LENGTH = 200;

/**
 * Applies a status Chat2Desk reported for one of our messages (web hook or poll). Statuses only move a
 * delivery forward: a late "delivered" after "read" changes nothing. A failure the messenger explained
 * (outbox_status `error`) keeps its words in the reason: `undeliverable:<error>`. Returns whether it
 * moved; `awaitingDelivery` when no delivery holds the message id yet (the status came before the send
 * was recorded, or the message is not ours): the caller keeps the report to apply it later.
 */
export async function applyRecipientStatus(
  sql: Sql | postgres.TransactionSql,
  report: {
    chat2deskMessageId: number | string;
    status: string | null | undefined;
    now: Date;
    /** The messenger's error text, when it gave one. */
    error?: string | null | undefined;
  },
): Promise<boolean | 'awaitingDelivery'> {
  const to = report.status ? STATUS_TO_STATE[report.status.toLowerCase()] : undefined;
  if (!to) return false;
  const [delivery] = await sql<{ id: string; runId: number; state: DeliveryState }[]>`
    select id, run_id as "runId", state from deliveries where chat2desk_message_id = ${String(report.chat2deskMessageId)}
    order by id limit 1`;
  // Only a message Chat2Desk accepted can be delivered, read or found undeliverable.
  const from: DeliveryState[] = SENT_STATES.filter((state) => canTransition(state, to));
  if (!delivery) return 'awaitingDelivery';
  if (!from.includes(delivery.state)) return false;
  const moved = await moveDeliveriesTo(
    sql,
    to,
    [
      {
        id: delivery.id,
        runId: delivery.runId,
        to,
        reason: to === 'failed' ? failureReason(report.error) : null,
        now: report.now,
        details: { recipientStatus: report.status, ...(report.error ? { error: report.error } : {}) },
      },
    ],
    { from },
  );
  return moved.has(delivery.id);
}

function failureReason(error: string | null | undefined): string {
  const words = error?.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_LENGTH);
  return words ? `${REASONS.undeliverable}:${words}` : REASONS.undeliverable;
}
