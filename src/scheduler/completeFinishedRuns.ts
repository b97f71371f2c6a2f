import { moveRunsTo } from '../campaigns/runStates.js';
import type { Sql } from '../db/database.js';

/**
 * Completes every running broadcast run none of whose deliveries can still go out (none queued,
 * waiting or sending, and no audience block left to make rows of). Expanding runs are not `running`
 * yet, so a half-expanded run never completes.
 * The lookup goes through deliveries (campaign_id, state), which holds few rows in those states.
 */
export async function completeFinishedRuns(
  sql: Sql,
  now: Date,
): Promise<{ runId: number; campaignId: number }[]> {
  const moved = await moveRunsTo(
    sql,
    'completed',
    {
      where: sql`exists (select 1 from campaigns c where c.id = r.campaign_id and c.kind = 'broadcast')
        and not exists (
          select 1 from deliveries d
          where d.campaign_id = r.campaign_id and d.run_id = r.id
            and d.state in ('queued', 'waiting', 'sending'))
        and not exists (select 1 from run_audience_blocks b where b.run_id = r.id and b.materialised_at is null)`,
    },
    { from: ['running'], now },
  );
  return moved.map((run) => ({ runId: run.id, campaignId: run.campaignId }));
}
