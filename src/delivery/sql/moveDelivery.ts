import type { Sql } from '../../db/database.js';
import { type DeliveryState, STATE_TIMESTAMP_COLUMN, statesLeadingTo } from '../states.js';

/** Columns a state change may set besides state, reason and the state's timestamp. */
export interface DeliveryChanges {
  nextAttemptAt?: Date;
  renderedText?: string;
  chat2deskClientId?: string | number | bigint;
  chat2deskMessageId?: string | number | bigint | null;
  attempts?: number;
  /** true: the worker lets go of the delivery (any state but sending). */
  release?: boolean;
}

export interface MoveDelivery {
  id: string;
  to: DeliveryState;
  reason: string | null;
  now: Date;
  /** Only this worker's delivery moves (a worker whose lease was taken over must not). */
  workerId?: string;
  changes?: DeliveryChanges;
  details?: Record<string, unknown>;
}

/**
 * Moves one delivery along an edge of the state machine and appends the change to the event log, in
 * one statement. Returns false when the delivery was not in a state leading to `to` (or not this
 * worker's): someone else moved it first, and the caller must not act as if it had.
 */
export async function moveDelivery(sql: Sql, move: MoveDelivery): Promise<boolean> {
  const fromStates = statesLeadingTo(move.to);
  const c = move.changes ?? {};
  const set: Record<string, unknown> = {
    state: move.to,
    reason: move.reason,
    [STATE_TIMESTAMP_COLUMN[move.to]]: move.now,
    updated_at: move.now,
  };
  if (c.nextAttemptAt !== undefined) set.next_attempt_at = c.nextAttemptAt;
  if (c.renderedText !== undefined) set.rendered_text = c.renderedText;
  if (c.chat2deskClientId !== undefined) set.chat2desk_client_id = String(c.chat2deskClientId);
  if (c.chat2deskMessageId !== undefined) {
    set.chat2desk_message_id = c.chat2deskMessageId === null ? null : String(c.chat2deskMessageId);
  }
  if (c.attempts !== undefined) set.attempts = c.attempts;
  if (c.release) {
    set.locked_by = null;
    set.locked_at = null;
  }
  // The dynamic SET must follow the statement's last keyword: postgres.js picks its builder by it.
  const rows = await sql`
    with moved as (
      update deliveries d set ${sql(set)}
      from (
        select id, state from deliveries
        where id = ${move.id} and state = any(${fromStates}::delivery_state[])
          ${move.workerId === undefined ? sql`` : sql`and locked_by = ${move.workerId}`}
        for update
      ) before
      where d.id = before.id
      returning d.id, before.state as from_state
    )
    insert into delivery_events (delivery_id, from_state, to_state, reason, details, at)
    select id, from_state, ${move.to}, ${move.reason}, ${move.details ? sql.json(move.details as never) : null}, ${move.now}
    from moved
    returning id`;
  return rows.length === 1;
}
