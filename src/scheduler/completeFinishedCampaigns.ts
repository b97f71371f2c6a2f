import { moveCampaignsTo } from '../campaigns/lifecycle.js';
import type { Sql } from '../db/database.js';

/**
 * Completes running broadcasts with nothing left to do: no next run (a one-shot after its run) and
 * every run completed or cancelled. Only from `running`: a paused campaign completes after it is
 * resumed, and a reminder campaign never completes this way (new appointments keep arriving).
 */
export async function completeFinishedCampaigns(sql: Sql, now: Date): Promise<number[]> {
  const moved = await moveCampaignsTo(
    sql,
    'completed',
    {
      where: sql`c.kind = 'broadcast' and c.next_run_at is null
        and not exists (
          select 1 from campaign_runs r
          where r.campaign_id = c.id and r.status not in ('completed', 'cancelled'))`,
    },
    { from: ['running'], now },
  );
  return moved.map((campaign) => campaign.id);
}
