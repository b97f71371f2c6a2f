import type { Sql } from '../db/database.js';

/**
 * Completes running broadcasts with nothing left to do: no next run (a one-shot after its run) and
 * every run completed or cancelled. Only from `running`: a paused campaign completes after it is
 * resumed, and a reminder campaign never completes this way (new appointments keep arriving).
 */
export async function completeFinishedCampaigns(sql: Sql, now: Date): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    update campaigns c set status = 'completed', status_reason = null, updated_at = ${now}
    where c.kind = 'broadcast' and c.status = 'running' and c.next_run_at is null
      and not exists (
        select 1 from campaign_runs r
        where r.campaign_id = c.id and r.status not in ('completed', 'cancelled'))
    returning c.id`;
  return rows.map((row) => row.id);
}
