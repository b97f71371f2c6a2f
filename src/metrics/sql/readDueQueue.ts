import type { Sql } from '../../db/database.js';

export interface DueQueue {
  /** Deliveries a worker could claim now: queued or waiting, due, of a running campaign. */
  depth: number;
  /** The earliest next_attempt_at among them; null when none is due. */
  oldestDueAt: Date | null;
}

/**
 * How many index entries a scrape counts on either side of "now", per running campaign, before it
 * counts the other side instead.
 */
export const DUE_COUNT_STEP = 10_000;

/**
 * What the workers have not caught up with, as claimDueDeliveries sees it. Deliveries of paused
 * or scheduled campaigns are left out: they wait on purpose, and would make the age alarm ring.
 *
 * Exact, and bounded per scrape whatever a running campaign's backlog: counting every due delivery
 * of a broadcast with a million still to send took 161 ms a scrape. Per running campaign, the due
 * ones are counted in the claim index up to `step`; past that, the ones not due yet are counted
 * (also up to `step`) and taken from the campaign's kept count of queued and waiting deliveries.
 * Only a campaign with more than `step` on both sides (a large broadcast beside a large future of
 * reminders) is counted in full.
 */
export async function readDueQueue(sql: Sql, now: Date, options: { step?: number } = {}): Promise<DueQueue> {
  const step = options.step ?? DUE_COUNT_STEP;
  const pending = sql`d.campaign_id = k.id and d.state in ('queued', 'waiting')`;
  // The branches are scalar subqueries in a CASE: each runs only when the one before fell short.
  const [row] = await sql<DueQueue[]>`
    select coalesce(sum(
             case when due.n < ${step}::int then due.n
                  else coalesce(
                    (select waiting.n - later.n
                     from (select count(*)::int as n from (
                             select 1 from deliveries d
                             where ${pending} and d.next_attempt_at > ${now} limit ${step}::int) x) later,
                          (select coalesce(sum(c.n), 0)::int as n from delivery_counts c
                           where c.campaign_id = k.id and c.state in ('queued', 'waiting')) waiting
                     where later.n < ${step}::int),
                    (select count(*)::int from deliveries d where ${pending} and d.next_attempt_at <= ${now}))
             end), 0)::int as depth,
           min(first.at) as "oldestDueAt"
    from campaigns k
    cross join lateral (
      select d.next_attempt_at as at from deliveries d where ${pending}
      order by d.next_attempt_at limit 1
    ) first
    cross join lateral (
      select count(*)::int as n from (
        select 1 from deliveries d where ${pending} and d.next_attempt_at <= ${now} limit ${step}::int
      ) x
    ) due
    where k.status = 'running' and first.at <= ${now}`;
  return row ?? { depth: 0, oldestDueAt: null };
}
