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
 * reminders) is counted in full. Members of an expanded audience whose rows are not made yet count as
 * due from their run's time (their tally is read from the few audience blocks left).
 */
export async function readDueQueue(sql: Sql, now: Date, options: { step?: number } = {}): Promise<DueQueue> {
  const step = options.step ?? DUE_COUNT_STEP;
  const pending = sql`d.campaign_id = k.id and d.state in ('queued', 'waiting')`;
  // The branches are scalar subqueries in a CASE: each runs only when the one before fell short.
  const [row] = await sql<DueQueue[]>`
    select coalesce(sum(
             case when due.n < ${step}::int then due.n + unmade.n
                  else coalesce(
                    (select waiting.n - later.n
                     from (select count(*)::int as n from (
                             select 1 from deliveries d
                             where ${pending} and d.next_attempt_at > ${now} limit ${step}::int) x) later,
                          (select coalesce(sum(c.n), 0)::int as n from delivery_counts c
                           where c.campaign_id = k.id and c.state in ('queued', 'waiting')) waiting
                     where later.n < ${step}::int),
                    (select count(*)::int from deliveries d where ${pending} and d.next_attempt_at <= ${now})
                      + unmade.n)
             end), 0)::int as depth,
           min(least(case when first.at <= ${now} then first.at end, unmade.since)) as "oldestDueAt"
    from campaigns k
    left join lateral (
      select d.next_attempt_at as at from deliveries d where ${pending}
      order by d.next_attempt_at limit 1
    ) first on true
    cross join lateral (
      -- Members of expanded audiences whose rows are not made yet (src/delivery/sql/audienceBlocks.ts):
      -- queued since their run's time, and in the kept counts already.
      select coalesce(sum(t.n), 0)::int as n, min(r.scheduled_for) as since
      from run_audience_blocks b
      join campaign_runs r on r.id = b.run_id
      cross join lateral unnest(b.tally_reasons, b.tally_counts) as t(reason, n)
      where b.campaign_id = k.id and b.materialised_at is null and t.reason = '' and r.scheduled_for <= ${now}
    ) unmade
    cross join lateral (
      select count(*)::int as n from (
        select 1 from deliveries d where ${pending} and d.next_attempt_at <= ${now} limit ${step}::int
      ) x
    ) due
    where k.status = 'running' and (first.at <= ${now} or unmade.n > 0)`;
  return row ?? { depth: 0, oldestDueAt: null };
}
