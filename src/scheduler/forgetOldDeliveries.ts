import type { Sql } from '../db/database.js';

/**
 * RETENTION_DAYS: removes up to `batchSize` deliveries (their events go with them) that settled before
 * `before`, of runs that are over, and those runs' audience blocks made into rows before then; returns
 * how many deliveries. Their counts stay (`broadcaster.keep_counts` for
 * the transaction, see migration 20261206060000_delivery_counts), so an old campaign's report still
 * answers. Pending deliveries and running runs are never touched; several instances may run it at once
 * (a row another one holds is skipped).
 */
export async function forgetOldDeliveries(
  sql: Sql,
  options: { before: Date; batchSize: number },
): Promise<number> {
  const deleted = await sql.begin(async (tx) => {
    await tx`select set_config('broadcaster.keep_counts', 'on', true)`;
    const [row] = await tx<{ n: number }[]>`
      with old as (
        select d.id, d.run_id from deliveries d join campaign_runs r on r.id = d.run_id
        where r.status in ('completed', 'cancelled')
          and d.state not in ('queued', 'waiting', 'sending') and d.updated_at < ${options.before}
        limit ${options.batchSize}
        for update of d skip locked
      ),
      gone as (delete from deliveries d using old where d.id = old.id and d.run_id = old.run_id returning 1)
      select count(*)::int as n from gone`;
    // And the audience blocks of those runs, long made into rows (a finished run has none left to make).
    await tx`
      delete from run_audience_blocks b using campaign_runs r
      where r.id = b.run_id and r.status in ('completed', 'cancelled') and b.materialised_at < ${options.before}`;
    return row?.n ?? 0;
  });
  return deleted as number;
}
