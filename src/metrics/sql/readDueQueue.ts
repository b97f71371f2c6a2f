import type { Sql } from '../../db/database.js';

export interface DueQueue {
  /** Deliveries a worker could claim now: queued or waiting, due, of a running campaign. */
  depth: number;
  /** The earliest next_attempt_at among them; null when none is due. */
  oldestDueAt: Date | null;
}

/**
 * What the workers have not caught up with, as claimDueDeliveries sees it. Deliveries of paused
 * or scheduled campaigns are left out: they wait on purpose, and would make the age alarm ring.
 */
export async function readDueQueue(sql: Sql, now: Date): Promise<DueQueue> {
  const [row] = await sql<DueQueue[]>`
    select count(*)::int as depth, min(d.next_attempt_at) as "oldestDueAt"
    from deliveries d join campaigns k on k.id = d.campaign_id
    where d.state in ('queued', 'waiting') and d.next_attempt_at <= ${now} and k.status = 'running'`;
  return row ?? { depth: 0, oldestDueAt: null };
}
