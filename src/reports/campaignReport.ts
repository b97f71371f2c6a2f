import type { Sql } from '../db/database.js';
import { DELIVERY_STATES, PENDING_STATES } from '../delivery/states.js';
import { TRANSPORTS_REPORTING_DELIVERY } from '../delivery/statusPoller.js';
import { type CampaignPurpose, CONSENT_RULES } from '../messages/consent.js';
import { countByStateAndReason } from './sql/countByStateAndReason.js';
import { countByTransportAndChannel, type TransportChannelCount } from './sql/countByTransportAndChannel.js';
import { findReportCampaign } from './sql/findReportCampaign.js';
import { type FailedDelivery, firstFailures } from './sql/firstFailures.js';
import { type NearStopReplies, nearStopReplies } from './sql/nearStopReplies.js';
import type { ReportScope } from './sql/reportScope.js';
import { type RunSummary, runSummaries } from './sql/runSummaries.js';
import { sendOutcomes } from './sql/sendOutcomes.js';
import { type MinuteSends, sendsPerMinute } from './sql/sendsPerMinute.js';

export { CampaignNotFoundForReportError, RunNotFoundForReportError } from './errors.js';
export { formatCampaignReport } from './formatCampaignReport.js';
export type { FailedDelivery, MinuteSends, RunSummary };

/** Failures listed in a report; the counts cover all of them. */
export const REPORT_FAILURE_LIMIT = 100;
/** Runs listed in a campaign report, most recent first. */
export const REPORT_RUN_LIMIT = 50;
/** Replies that look like a STOP listed in a report (all are counted). */
export const REPORT_NEAR_STOP_LIMIT = 20;

export interface StateBreakdown {
  total: number;
  /** Every state, zeros included. */
  counts: Record<string, number>;
}

export interface CampaignReport {
  campaignId: number;
  /** The run the report is limited to; null: every run of the campaign. */
  runId: number | null;
  name: string;
  kind: string;
  status: string;
  statusReason: string | null;
  transport: string;
  /** The consent rule the campaign applies (src/campaigns/consent.ts): who no_consent skipped and why. */
  consent: { purpose: CampaignPurpose; rule: string };
  /** Deliveries per state; every state is present, zeros included. */
  counts: Record<string, number>;
  /** Deliveries per reason (the part before the first colon), for the states that carry one. */
  reasons: Record<string, number>;
  /** The same reasons apart per state (`failed`, `skipped`, `waiting`…): a failure never reads as a skip. */
  reasonsByState: Record<string, Record<string, number>>;
  total: number;
  /** False where Chat2Desk does not report delivery for the transport: there `sent` is final. */
  transportReportsDelivery: boolean;
  totals: {
    deliveries: number;
    /** Still queued, waiting or sending. */
    pending: number;
    /** Accepted by Chat2Desk (sent, delivered, read, or reported undeliverable afterwards). */
    accepted: number;
    delivered: number;
    read: number;
    /**
     * Accepted and still `sent`: no delivered, read or failed status yet. Null where the transport
     * does not report delivery (there `sent` is final, not awaiting).
     */
    awaitingStatus: number | null;
    failed: number;
    skipped: number;
  };
  /** Recipients' replies that look like a STOP but were not applied ("стоп спам"): to be read by a person. */
  nearStopReplies: NearStopReplies;
  byTransport: Array<StateBreakdown & { transport: string; reportsDelivery: boolean }>;
  byChannel: Array<StateBreakdown & { channelId: number | null }>;
  /** Sent per minute (by `sent_at`), minutes without a send left out. */
  sendRate: MinuteSends[];
  /**
   * delivered-or-read / accepted; null where the transport does not report delivery, nothing was sent,
   * or no accepted message has a status yet. A lower bound while some still await one (see ratesFinal).
   */
  deliveryRate: number | null;
  /** read / accepted; null as deliveryRate. */
  readRate: number | null;
  /** True when no accepted message awaits a status, or the rates do not apply: false means "so far". */
  ratesFinal: boolean;
  /** Due → sent, in milliseconds (for reminders: how late they went out); null when nothing was sent. */
  latencyMs: { p50: number; p95: number; max: number } | null;
  /** The first REPORT_FAILURE_LIMIT failed or skipped deliveries, earliest first. */
  failures: FailedDelivery[];
  /** Failed and skipped deliveries in all, listed or not. */
  failuresTotal: number;
  /** The campaign's most recent runs (only the chosen one in a run report). */
  runs: RunSummary[];
}

function emptyCounts(): Record<string, number> {
  return Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0]));
}

/** States in which a delivery has not settled yet: it may still go out. */
const UNSETTLED_STATES = [...PENDING_STATES, 'sending'] as const;

/** The per-transport and per-channel state counts, from the rows of countByTransportAndChannel. */
function breakdowns(rows: TransportChannelCount[]): Pick<CampaignReport, 'byTransport' | 'byChannel'> {
  const byTransport = new Map<string, CampaignReport['byTransport'][number]>();
  const byChannel = new Map<number | null, CampaignReport['byChannel'][number]>();
  for (const row of rows) {
    let entry: StateBreakdown | undefined;
    if (row.breakdown === 'transport') {
      const transport = row.transport ?? '';
      entry = byTransport.get(transport);
      if (!entry) {
        const reportsDelivery = TRANSPORTS_REPORTING_DELIVERY.includes(transport);
        const created = { transport, reportsDelivery, total: 0, counts: emptyCounts() };
        byTransport.set(transport, created);
        entry = created;
      }
    } else {
      entry = byChannel.get(row.channelId);
      if (!entry) {
        const created = { channelId: row.channelId, total: 0, counts: emptyCounts() };
        byChannel.set(row.channelId, created);
        entry = created;
      }
    }
    entry.counts[row.state] = row.n;
    entry.total += row.n;
  }
  return { byTransport: [...byTransport.values()], byChannel: [...byChannel.values()] };
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/**
 * Who got what, when, and what failed and why — for a campaign, or one run of it with `runId`. A
 * handful of aggregate queries; nothing is computed per delivery here.
 */
export async function campaignReport(
  sql: Sql,
  campaignId: number,
  options: { runId?: number | undefined } = {},
): Promise<CampaignReport> {
  const scope: ReportScope = { campaignId, runId: options.runId };
  // One snapshot for every query (pipelined on one connection): the counts, rates and lists agree.
  const [campaign, stateRows, breakdownRows, sendRate, outcomes, failures, runs, nearStop] = await sql.begin(
    'isolation level repeatable read read only',
    (tx) =>
      Promise.all([
        findReportCampaign(tx, scope),
        countByStateAndReason(tx, scope),
        countByTransportAndChannel(tx, scope),
        sendsPerMinute(tx, scope),
        sendOutcomes(tx, scope),
        firstFailures(tx, scope, REPORT_FAILURE_LIMIT),
        runSummaries(tx, scope, REPORT_RUN_LIMIT),
        nearStopReplies(tx, scope, REPORT_NEAR_STOP_LIMIT),
      ]),
  );

  const counts = emptyCounts();
  const reasons: Record<string, number> = {};
  const reasonsByState: Record<string, Record<string, number>> = {};
  let total = 0;
  for (const row of stateRows) {
    counts[row.state] = (counts[row.state] ?? 0) + row.n;
    if (row.reason) {
      reasons[row.reason] = (reasons[row.reason] ?? 0) + row.n;
      const ofState = reasonsByState[row.state] ?? {};
      reasonsByState[row.state] = ofState;
      ofState[row.reason] = (ofState[row.reason] ?? 0) + row.n;
    }
    total += row.n;
  }

  const { byTransport, byChannel } = breakdowns(breakdownRows);
  const transportReportsDelivery = TRANSPORTS_REPORTING_DELIVERY.includes(campaign.transport);
  const awaitingStatus = transportReportsDelivery ? outcomes.awaitingStatus : null;
  // With no status fetched yet every message is still `sent`: a rate of 0 would read "nobody got it".
  const rated = transportReportsDelivery && outcomes.accepted > outcomes.awaitingStatus;
  return {
    campaignId,
    runId: options.runId ?? null,
    name: campaign.name,
    kind: campaign.kind,
    status: campaign.status,
    statusReason: campaign.statusReason,
    transport: campaign.transport,
    consent: { purpose: campaign.purpose, rule: CONSENT_RULES[campaign.purpose] },
    counts,
    reasons,
    // In the states' own order (waiting before failed before skipped), whatever order the rows came in.
    reasonsByState: Object.fromEntries(
      DELIVERY_STATES.filter((state) => reasonsByState[state]).map((state) => [
        state,
        reasonsByState[state]!,
      ]),
    ),
    total,
    transportReportsDelivery,
    totals: {
      deliveries: total,
      pending: UNSETTLED_STATES.reduce((n, state) => n + (counts[state] ?? 0), 0),
      accepted: outcomes.accepted,
      delivered: outcomes.delivered,
      read: outcomes.read,
      awaitingStatus,
      failed: counts.failed ?? 0,
      skipped: counts.skipped ?? 0,
    },
    nearStopReplies: nearStop,
    byTransport,
    byChannel,
    sendRate,
    deliveryRate: rated ? ratio(outcomes.delivered, outcomes.accepted) : null,
    readRate: rated ? ratio(outcomes.read, outcomes.accepted) : null,
    ratesFinal: (awaitingStatus ?? 0) === 0,
    latencyMs:
      outcomes.latencyP50 === null
        ? null
        : {
            p50: Math.round(outcomes.latencyP50),
            p95: Math.round(outcomes.latencyP95 ?? 0),
            max: Math.round(outcomes.latencyMax ?? 0),
          },
    failures,
    failuresTotal: (counts.failed ?? 0) + (counts.skipped ?? 0),
    runs,
  };
}
