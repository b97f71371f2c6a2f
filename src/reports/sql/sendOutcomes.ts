import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface SendOutcomes {
  /** Deliveries Chat2Desk accepted (a `sent_at`), whatever happened to them later. */
  accepted: number;
  /** Of those, reported delivered (or read, which implies it). */
  delivered: number;
  read: number;
  /** Of those, still `sent`: no delivered, read or failed status yet (for ever, where none is reported). */
  awaitingStatus: number;
  /** Milliseconds from `due_at` to `sent_at`; null when nothing was sent. */
  latencyP50: number | null;
  latencyP95: number | null;
  latencyMax: number | null;
}

// awaitingStatus is counted over the same rows as accepted, so "no status yet" (awaiting = accepted)
// is told apart from "nobody got it" (delivered = 0) within one snapshot.
export async function sendOutcomes(sql: Queryable, scope: ReportScope): Promise<SendOutcomes> {
  const [row] = await sql<SendOutcomes[]>`
    with sent as (
      select d.state, extract(epoch from d.sent_at - d.due_at)::float8 * 1000 as latency_ms
      from deliveries d where ${deliveriesInScope(sql, scope)} and d.sent_at is not null
    )
    select count(*)::int as accepted,
           count(*) filter (where state in ('delivered', 'read'))::int as delivered,
           count(*) filter (where state = 'read')::int as read,
           count(*) filter (where state = 'sent')::int as "awaitingStatus",
           percentile_cont(0.5) within group (order by latency_ms) as "latencyP50",
           percentile_cont(0.95) within group (order by latency_ms) as "latencyP95",
           max(latency_ms) as "latencyMax"
    from sent`;
  return row!;
}
