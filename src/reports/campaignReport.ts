import type { Sql } from '../db/database.js';
import { DELIVERY_STATES } from '../delivery/states.js';
import { TRANSPORTS_REPORTING_DELIVERY } from '../delivery/statusPoller.js';

export interface CampaignReport {
  campaignId: number;
  name: string;
  status: string;
  statusReason: string | null;
  transport: string;
  /** Deliveries per state; every state is present, zeros included. */
  counts: Record<string, number>;
  /** Deliveries per reason (the part before the first colon), for the states that carry one. */
  reasons: Record<string, number>;
  total: number;
  /** False where Chat2Desk does not report delivery for the transport: there `sent` is final. */
  transportReportsDelivery: boolean;
}

export class CampaignNotFoundForReportError extends Error {
  constructor(readonly campaignId: number) {
    super(`campaign ${campaignId} does not exist`);
  }
}

/** Who got what: the per-state and per-reason counts of a campaign's deliveries, in one pass. */
export async function campaignReport(sql: Sql, campaignId: number): Promise<CampaignReport> {
  const [campaign] = await sql<
    { name: string; status: string; statusReason: string | null; transport: string }[]
  >`
    select name, status, status_reason as "statusReason", transport from campaigns where id = ${campaignId}`;
  if (!campaign) throw new CampaignNotFoundForReportError(campaignId);
  const rows = await sql<{ state: string; reason: string | null; n: number }[]>`
    select state, split_part(reason, ':', 1) as reason, count(*)::int as n
    from deliveries where campaign_id = ${campaignId} group by 1, 2`;
  const counts: Record<string, number> = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0]));
  const reasons: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    counts[row.state] = (counts[row.state] ?? 0) + row.n;
    if (row.reason) reasons[row.reason] = (reasons[row.reason] ?? 0) + row.n;
    total += row.n;
  }
  return {
    campaignId,
    name: campaign.name,
    status: campaign.status,
    statusReason: campaign.statusReason,
    transport: campaign.transport,
    counts,
    reasons,
    total,
    transportReportsDelivery: TRANSPORTS_REPORTING_DELIVERY.includes(campaign.transport),
  };
}

/** The report as a person reads it in a terminal. */
export function formatCampaignReport(report: CampaignReport): string {
  const lines = [
    `Campaign ${report.campaignId} "${report.name}" (${report.transport}): ${report.status}` +
      (report.statusReason ? ` (${report.statusReason})` : ''),
    `  ${report.total} recipients`,
  ];
  for (const [state, n] of Object.entries(report.counts)) if (n > 0) lines.push(`  ${state.padEnd(10)} ${n}`);
  const reasons = Object.entries(report.reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length) {
    lines.push('  reasons:');
    for (const [reason, n] of reasons) lines.push(`    ${reason.padEnd(28)} ${n}`);
  }
  if (!report.transportReportsDelivery) {
    lines.push(`  note: Chat2Desk does not report delivery on ${report.transport}; "sent" is final there`);
  }
  return lines.join('\n');
}
