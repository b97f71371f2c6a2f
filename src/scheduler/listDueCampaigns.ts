import type { Sql } from '../db/database.js';

/**
 * Broadcast campaigns with a run due at `now`. Read without locks: each is then locked (or skipped,
 * when another instance holds it) in its own transaction by createDueRun, which checks again.
 * Paused, draft, completed and cancelled campaigns are never due.
 */
export async function listDueCampaigns(sql: Sql, now: Date): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select id from campaigns
    where kind = 'broadcast' and status in ('scheduled', 'running') and next_run_at <= ${now}
    order by next_run_at, id`;
  return rows.map((row) => row.id);
}
