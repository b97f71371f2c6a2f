import type postgres from 'postgres';
import type { Sql } from '../../db/database.js';
import { assertTransition, type DeliveryState, STATE_TIMESTAMP_COLUMN, statesLeadingTo } from '../states.js';
import type { MoveDelivery } from './moveDelivery.js';

/** Bits of `flags`: which optional columns a move sets (the others keep their value). */
const SETS = {
  nextAttemptAt: 1,
  renderedText: 2,
  chat2deskClientId: 4,
  chat2deskMessageId: 8,
  attempts: 16,
  release: 32,
  dueAt: 64,
  reminderKey: 128,
  contactId: 256,
} as const;

/**
 * The delivery writer: many single-delivery moves (MoveDelivery) to the same state in one
 * statement. Each delivery moves only from a state leading there in the transition table (narrowed
 * to `from` when given, each of whose edges is asserted), and only if it is its worker's (the claim's
 * lease token, when given); each gets its own reason, columns and event-log row. A move to `sending`
 * also requires the campaign to be `running` at that moment. Returns the ids that moved; the others were moved by
 * someone else first. (The bulk skips of opt-outs and cancels: skipPendingDeliveries.)
 */
export async function moveDeliveriesTo(
  sql: Sql | postgres.TransactionSql,
  to: DeliveryState,
  moves: readonly MoveDelivery[],
  options: { from?: readonly DeliveryState[] } = {},
): Promise<Set<string>> {
  if (moves.length === 0) return new Set();
  for (const from of options.from ?? []) assertTransition(from, to);
  if (to === 'sending' && moves.some((m) => m.campaignId === undefined)) {
    throw new TypeError(
      'a move to sending names its campaign (campaignId): it goes out only while that one runs',
    );
  }
  const allowedFrom = options.from ? [...options.from] : statesLeadingTo(to);
  // One array parameter per column, unnested together (postgres.js types parameters loosely: `never`).
  const column = (pick: (m: MoveDelivery) => unknown) => moves.map((m) => pick(m) ?? null) as never;
  const flags = moves.map((m) => {
    const c = m.changes ?? {};
    let f = 0;
    if (c.nextAttemptAt !== undefined) f |= SETS.nextAttemptAt;
    if (c.renderedText !== undefined) f |= SETS.renderedText;
    if (c.chat2deskClientId !== undefined) f |= SETS.chat2deskClientId;
    if (c.chat2deskMessageId !== undefined) f |= SETS.chat2deskMessageId;
    if (c.attempts !== undefined) f |= SETS.attempts;
    if (c.release) f |= SETS.release;
    if (c.dueAt !== undefined) f |= SETS.dueAt;
    if (c.reminderKey !== undefined) f |= SETS.reminderKey;
    if (c.contactId !== undefined) f |= SETS.contactId;
    return f;
  });
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const rows = await sql<{ delivery_id: string }[]>`
    with input as (
      select * from unnest(
        ${column((m) => m.id)}::bigint[],
        ${column((m) => m.runId)}::int[],
        ${column((m) => m.reason)}::text[],
        ${column((m) => m.workerId)}::text[],
        ${column((m) => m.leaseToken)}::bigint[],
        ${column((m) => m.now.toISOString())}::timestamptz[],
        ${column((m) => m.changes?.nextAttemptAt?.toISOString())}::timestamptz[],
        ${column((m) => m.changes?.renderedText)}::text[],
        ${column((m) => text(m.changes?.chat2deskClientId))}::bigint[],
        ${column((m) => text(m.changes?.chat2deskMessageId))}::bigint[],
        ${column((m) => m.changes?.attempts)}::int[],
        ${column((m) => m.changes?.dueAt?.toISOString())}::timestamptz[],
        ${column((m) => m.changes?.reminderKey)}::text[],
        ${column((m) => m.changes?.contactId)}::int[],
        ${flags as never}::int[]
      ) with ordinality as i(id, run_id, reason, worker_id, lease_token, at, next_attempt_at, rendered_text,
                             chat2desk_client_id, chat2desk_message_id, attempts, due_at, reminder_key,
                             contact_id, flags, n)
    ),
    ${
      to === 'sending'
        ? sql`
    -- A message goes out only while its campaign runs: the share lock waits for a pause or cancel
    -- being committed, and re-reads the campaign after it, so none committed before this is missed.
    running as (
      select k.id from campaigns k
      where k.id = any(${[...new Set(moves.map((m) => m.campaignId))] as never}::int[]) and k.status = 'running'
      for share of k
    ),`
        : sql``
    }
    before as (
      select d.id, d.run_id, d.state from deliveries d
      -- By its run too where every move names it: one partition's index probed, not each one's.
      join input i on i.id = d.id ${moves.every((m) => m.runId !== undefined) ? sql`and d.run_id = i.run_id` : sql``}
      where d.state = any(${allowedFrom}::delivery_state[])
        and (i.worker_id is null
             or d.locked_by = i.worker_id and (i.lease_token is null or d.lease_token = i.lease_token))
        -- A scalar subquery, not a join: the rows are found by id, and only then checked (as a join,
        -- with fresh statistics, it was planned as a walk of every pending delivery of the campaign).
        ${to === 'sending' ? sql`and coalesce((select true from running r where r.id = d.campaign_id), false)` : sql``}
      order by d.id
      for update of d
    ),
    moved as (
      update deliveries d set
        state = ${to}::delivery_state,
        reason = i.reason,
        ${sql(STATE_TIMESTAMP_COLUMN[to])} = i.at,
        updated_at = i.at,
        next_attempt_at = case when i.flags & ${SETS.nextAttemptAt} <> 0 then i.next_attempt_at else d.next_attempt_at end,
        rendered_text = case when i.flags & ${SETS.renderedText} <> 0 then i.rendered_text else d.rendered_text end,
        chat2desk_client_id = case when i.flags & ${SETS.chat2deskClientId} <> 0
                                   then i.chat2desk_client_id else d.chat2desk_client_id end,
        chat2desk_message_id = case when i.flags & ${SETS.chat2deskMessageId} <> 0
                                    then i.chat2desk_message_id else d.chat2desk_message_id end,
        attempts = case when i.flags & ${SETS.attempts} <> 0 then i.attempts else d.attempts end,
        due_at = case when i.flags & ${SETS.dueAt} <> 0 then i.due_at else d.due_at end,
        reminder_key = case when i.flags & ${SETS.reminderKey} <> 0 then i.reminder_key else d.reminder_key end,
        contact_id = case when i.flags & ${SETS.contactId} <> 0 then i.contact_id else d.contact_id end,
        locked_by = case when i.flags & ${SETS.release} <> 0 then null else d.locked_by end,
        locked_at = case when i.flags & ${SETS.release} <> 0 then null else d.locked_at end
      from before b join input i on i.id = b.id
      where d.id = b.id and d.run_id = b.run_id
      returning d.id, d.run_id, b.state as from_state, i.reason, i.at, i.n
    )
    insert into delivery_events (delivery_id, run_id, from_state, to_state, reason, details, at)
    select id, run_id, from_state, ${to}::delivery_state, reason,
           nullif(${sql.json(moves.map((m) => m.details ?? null) as never)}::jsonb -> (n - 1)::int, 'null'::jsonb), at
    from moved
    returning delivery_id::text`;
  return new Set(rows.map((r) => r.delivery_id));
}

/**
 * Group commit for one worker's state changes: moves asked for while a write is in flight are
 * written together by the next one (per target state, one statement each), so a busy worker makes a
 * few statements per batch instead of one per delivery, and an idle one writes at once. Each caller
 * learns whether its delivery moved only once the statement has committed.
 *
 * Durability: only a move to `sending` waits for the WAL to reach the disk (it must be durable before
 * the request goes out, or a database crash could forget it and the message be sent twice). Every
 * other move commits without waiting for the flush (`synchronous_commit = off`): if a crash loses it,
 * the delivery is found as it was before, and the worker's rules bring it to the same end without a
 * second message: a lost `sent` leaves it `sending`, which is reconciled with Chat2Desk (found: sent);
 * a lost skip, wait or failure is decided again. This took the WAL flush off the path of every
 * outcome, which on this machine's disk was what bounded dispatch (docs/performance.md).
 */
export class MoveBatcher {
  readonly #sql: Sql;
  readonly #maxBatch: number;
  #pending: Array<{ move: MoveDelivery; resolve: (moved: boolean) => void; reject: (e: unknown) => void }> =
    [];
  #writing = false;

  constructor(sql: Sql, options: { maxBatch?: number } = {}) {
    this.#sql = sql;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  move(move: MoveDelivery): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ move, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        // After the current turn of the event loop: moves asked for in the same turn share a write.
        setImmediate(() => void this.#writeAll());
      }
    });
  }

  async #writeAll(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      const byState = new Map<DeliveryState, typeof batch>();
      for (const item of batch) {
        const group = byState.get(item.move.to) ?? [];
        group.push(item);
        byState.set(item.move.to, group);
      }
      await Promise.all(
        [...byState].map(async ([to, group]) => {
          try {
            const moves = group.map((g) => g.move);
            const moved =
              to === 'sending'
                ? await moveDeliveriesTo(this.#sql, to, moves)
                : await this.#sql.begin(async (tx) => {
                    await tx`set local synchronous_commit = off`;
                    return moveDeliveriesTo(tx as unknown as Sql, to, moves);
                  });
            for (const g of group) g.resolve(moved.has(g.move.id));
          } catch (error) {
            for (const g of group) g.reject(error);
          }
        }),
      );
    }
    this.#writing = false;
  }
}
