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
  const rows = await sql<(Omit<RunSummary, 'scheduledFor'> & { scheduledFor: Date })[]>`
    select r.id as "runId", r.scheduled_for as "scheduledFor", r.status,
           count(d.id)::int as total,
           count(d.sent_at)::int as accepted,
           count(d.id) filter (where d.state in ('queued', 'waiting', 'sending'))::int as pending
    from campaign_runs r left join deliveries d on d.run_id = r.id
    where r.campaign_id = ${scope.campaignId}
      ${scope.runId === undefined ? sql`` : sql`and r.id = ${scope.runId}`}
    group by r.id
    order by r.scheduled_for desc, r.id desc
    limit ${limit}`;
  return rows.map((r) => ({ ...r, scheduledFor: r.scheduledFor.toISOString() }));
}
