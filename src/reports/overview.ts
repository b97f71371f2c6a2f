import type { Sql } from '../db/database.js';

/** A day of the overview, in the viewer's zone. */
export interface OverviewDay {
  /** YYYY-MM-DD. */
  day: string;
  sent: number;
  optOuts: number;
}

/** One campaign's share of the period. */
export interface OverviewCampaign {
  id: number;
  name: string;
  kind: string;
  status: string;
  sent: number;
  failed: number;
  skipped: number;
  optedOut: number;
}

export interface Overview {
  days: OverviewDay[];
  totals: { sent: number; failed: number; skipped: number; optOuts: number };
  campaigns: OverviewCampaign[];
}

/** Campaigns listed at most: the rest are in their own reports. */
const CAMPAIGNS_SHOWN = 100;

/**
 * Every campaign over a period (the console shows 30 days): messages accepted by Chat2Desk per day and
 * opt-outs per day in `zone`, and per campaign whose runs fall in it (a reminder campaign's run while
 * it is live) what was sent, failed and skipped, from the kept counts — no delivery row is read.
 */
export async function campaignOverview(sql: Sql, options: { since: Date; zone: string }): Promise<Overview> {
  const { since, zone } = options;
  const [sends, optOuts, campaigns] = await Promise.all([
    sql<{ day: string; n: number }[]>`
      select to_char(minute at time zone ${zone}, 'YYYY-MM-DD') as day, sum(n)::int as n
      from delivery_send_counts where minute >= ${since}
      group by 1`,
    sql<{ day: string; n: number }[]>`
      select to_char(opted_out_at at time zone ${zone}, 'YYYY-MM-DD') as day, count(*)::int as n
      from contacts where opted_out_at >= ${since}
      group by 1`,
    sql<OverviewCampaign[]>`
      select k.id, k.name, k.kind::text as kind, k.status::text as status,
             coalesce(sum(c.n) filter (where c.accepted), 0)::int as sent,
             coalesce(sum(c.n) filter (where c.state = 'failed'), 0)::int as failed,
             coalesce(sum(c.n) filter (where c.state = 'skipped'), 0)::int as skipped,
             coalesce(sum(c.n) filter (where c.reason = 'opted_out'), 0)::int as "optedOut"
      from campaign_runs r
      join campaigns k on k.id = r.campaign_id
      left join delivery_counts c on c.run_id = r.id
      where r.scheduled_for >= ${since} or r.status in ('pending', 'expanding', 'running')
      group by k.id
      order by max(r.scheduled_for) desc, k.id desc
      limit ${CAMPAIGNS_SHOWN}`,
  ]);
  const byDay = new Map<string, OverviewDay>();
  for (const { day, n } of sends) byDay.set(day, { day, sent: n, optOuts: 0 });
  for (const { day, n } of optOuts) byDay.set(day, { day, sent: byDay.get(day)?.sent ?? 0, optOuts: n });
  const days = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
  return {
    days,
    totals: {
      sent: days.reduce((n, d) => n + d.sent, 0),
      failed: campaigns.reduce((n, c) => n + c.failed, 0),
      skipped: campaigns.reduce((n, c) => n + c.skipped, 0),
      optOuts: days.reduce((n, d) => n + d.optOuts, 0),
    },
    campaigns,
  };
}
