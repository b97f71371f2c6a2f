import type postgres from 'postgres';
import type { Sql } from '../../db/database.js';
import { PENDING_STATES, statesLeadingTo } from '../states.js';

/**
 * Whose pending deliveries: a contact's (opted out), a campaign's (cancelled), cancelled appointments',
 * or the marketing ones of contacts whose consent was withdrawn (a reminder needs no consent).
 */
export type PendingSelection =
  | { contactIds: readonly number[] }
  | { marketingOfContactIds: readonly number[] }
  | { campaignId: number }
  | { cancelledAppointmentIds: readonly number[] };

type Queryable = Sql | postgres.TransactionSql;

/** queued and waiting: the states a skip may come from (checked against the transition table). */
const SKIPPABLE = PENDING_STATES.filter((state) => statesLeadingTo('skipped').includes(state));

/**
 * The set-based entry of the delivery writer: skips, with `reason` and an event each, every delivery
 * of the selection that has not gone out (queued or waiting), and drops the claim a worker may hold on
 * it. A worker's move to `sending` is guarded by the state, so none of them can go out once this has
 * committed; one already `sending` is left to finish (the message may be with Chat2Desk).
 */
export async function skipPendingDeliveries(
  sql: Queryable,
  selection: PendingSelection,
  options: { reason: string; now: Date },
): Promise<number> {
  const { reason, now } = options;
  const [row] = await sql<{ count: number }[]>`
    with pending as (
      select d.id, d.run_id, d.state from deliveries d
      where d.state = any(${SKIPPABLE}::delivery_state[]) and ${selectionCondition(sql, selection)}
      order by d.id
      for update of d
    ), moved as (
      update deliveries d set state = 'skipped', reason = ${reason}, skipped_at = ${now}, updated_at = ${now},
        locked_by = null, locked_at = null
      from pending
      where d.id = pending.id and d.run_id = pending.run_id
      returning d.id, d.run_id, pending.state as from_state
    ), logged as (
      insert into delivery_events (delivery_id, run_id, from_state, to_state, reason, at)
      select id, run_id, from_state, 'skipped', ${reason}, ${now} from moved
      returning 1
    )
    select count(*)::int as count from logged`;
  return row?.count ?? 0;
}

function selectionCondition(sql: Queryable, selection: PendingSelection) {
  if ('contactIds' in selection) return sql`d.contact_id = any(${selection.contactIds as number[]}::int[])`;
  if ('marketingOfContactIds' in selection) {
    return sql`d.contact_id = any(${selection.marketingOfContactIds as number[]}::int[])
      and exists (select 1 from campaigns k where k.id = d.campaign_id and k.purpose = 'marketing')`;
  }
  if ('campaignId' in selection) return sql`d.campaign_id = ${selection.campaignId}`;
  return sql`d.appointment_id = any(${selection.cancelledAppointmentIds as number[]}::int[])
    and exists (select 1 from appointments a where a.id = d.appointment_id and a.status = 'cancelled')`;
}
