import type { Sql } from '../db/database.js';
import { DELIVERY_STATES } from '../delivery/states.js';

export interface CampaignProgress {
  id: number;
  name: string;
  kind: string;
  status: string;
  statusReason: string | null;
  transport: string;
  nextRunAt: Date | null;
  createdAt: Date;
  total: number;
  /** Deliveries per state, every state present. */
  counts: Record<string, number>;
}

/** Campaigns, newest first, each with its deliveries counted per state: the dashboard's overview. */
export async function listCampaignProgress(
  sql: Sql,
  page: { limit: number; offset: number; archived?: boolean },
): Promise<{ items: CampaignProgress[]; total: number }> {
  // The list shows the campaigns not archived, or (asked) the archived ones only.
  const archived = page.archived ? sql`c.archived_at is not null` : sql`c.archived_at is null`;
  const [items, [count]] = await Promise.all([
    sql<(Omit<CampaignProgress, 'counts'> & { counts: Record<string, number> })[]>`
      select c.id, c.name, c.kind, c.status, c.status_reason as "statusReason", c.transport,
             c.next_run_at as "nextRunAt", c.created_at as "createdAt",
             coalesce(s.total, 0)::int as total, coalesce(s.counts, '{}'::jsonb) as counts
      from campaigns c
      left join lateral (
        select sum(n) as total, jsonb_object_agg(state, n) as counts
        from (
          select state, sum(n)::int as n from delivery_counts d where d.campaign_id = c.id
          group by state having sum(n) <> 0
        ) per_state
      ) s on true
      where ${archived}
      order by c.id desc
      limit ${page.limit} offset ${page.offset}`,
    sql<{ n: number }[]>`select count(*)::int as n from campaigns c where ${archived}`,
  ]);
  for (const item of items)
    item.counts = { ...Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])), ...item.counts };
  return { items, total: count?.n ?? 0 };
}
