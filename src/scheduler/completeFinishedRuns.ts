import type { Sql } from '../db/database.js';

/**
 * Completes every running broadcast run none of whose deliveries can still go out (none queued,
 * waiting or sending). Expanding runs are not `running` yet, so a half-expanded run never completes.
 * The lookup goes through deliveries (campaign_id, state), which holds few rows in those states.
 */
export async function completeFinishedRuns(
  sql: Sql,
  now: Date,
): Promise<{ runId: number; campaignId: number }[]> {
  const rows = await sql<{ id: number; campaign_id: number }[]>`
    update campaign_runs r set status = 'completed', completed_at = ${now}
    from campaigns c
    where c.id = r.campaign_id and c.kind = 'broadcast' and r.status = 'running'
      and not exists (
        select 1 from deliveries d
        where d.campaign_id = r.campaign_id and d.run_id = r.id
          and d.state in ('queued', 'waiting', 'sending'))
    returning r.id, r.campaign_id`;
  return rows.map((row) => ({ runId: row.id, campaignId: row.campaign_id }));
}
