import type { Queryable } from './reportScope.js';

export interface RunSummary {
  runId: number;
  /** UTC ISO. */
  scheduledFor: string;
  status: string;
  total: number;
  /** Deliveries Chat2Desk accepted. */
  accepted: number;
  /** Deliveries still queued, waiting or sending. */
  pending: number;
}

/** A campaign's most recent runs (or the one asked for) with their delivery totals. */
export async function runSummaries(
  sql: Queryable,
  scope: { campaignId: number; runId?: number | undefined },
  limit: number,
): Promise<RunSummary[]> {
  // The runs first (a recurring campaign has many), then each one's kept counts.
  const rows = await sql<(Omit<RunSummary, 'scheduledFor'> & { scheduledFor: Date })[]>`
    select r.id as "runId", r.scheduled_for as "scheduledFor", r.status,
           coalesce(c.total, 0)::int as total, coalesce(c.accepted, 0)::int as accepted,
           coalesce(c.pending, 0)::int as pending
    from (
      select id, scheduled_for, status from campaign_runs
      where campaign_id = ${scope.campaignId}
        ${scope.runId === undefined ? sql`` : sql`and id = ${scope.runId}`}
      order by scheduled_for desc, id desc
      limit ${limit}
    ) r
    left join lateral (
      select sum(n) as total, sum(n) filter (where accepted) as accepted,
             sum(n) filter (where state in ('queued', 'waiting', 'sending')) as pending
      from delivery_counts where run_id = r.id
    ) c on true
    order by r.scheduled_for desc, r.id desc`;
  return rows.map((r) => ({ ...r, scheduledFor: r.scheduledFor.toISOString() }));
}
