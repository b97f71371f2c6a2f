import type { Sql } from '../db/database.js';

/**
 * Broadcast runs still to be expanded: `pending`, or `expanding` after a crash (expansion resumes).
 * Only for running campaigns: a paused campaign's run waits for the resume, a cancelled one's never
 * expands.
 */
export async function listRunsToExpand(sql: Sql): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select r.id from campaign_runs r
    join campaigns c on c.id = r.campaign_id
    where r.status in ('pending', 'expanding') and c.kind = 'broadcast' and c.status = 'running'
    order by r.scheduled_for, r.id`;
  return rows.map((row) => row.id);
}
