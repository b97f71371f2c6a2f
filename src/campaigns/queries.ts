import type { Sql } from '../db/database.js';
import { DELIVERY_STATES } from '../delivery/states.js';
import { BroadcasterError } from '../errors.js';
import type { CampaignPurpose } from '../messages/consent.js';
import type { WhatsAppTemplate } from '../messages/whatsappTemplate.js';
import { campaignDocument } from './campaignDocument.js';
import { resolveList, resolveTemplate } from './createCampaign.js';
import type { CampaignDefinition, CampaignKind } from './definition.js';
import { CampaignNotFoundError } from './errors.js';
import type { CampaignStatus } from './lifecycle.js';

/**
 * Campaigns as the API and the command line show them, and the edits a draft allows (replace,
 * delete). Creating goes through createCampaign; status changes through lifecycle.ts.
 */
export interface CampaignSummary {
  id: number;
  name: string;
  kind: CampaignKind;
  status: CampaignStatus;
  statusReason: string | null;
  transport: string;
  channelId: number | null;
  /** The consent rule: marketing (a recorded opt-in needed) or transactional. */
  purpose: CampaignPurpose;
  nextRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Deliveries per state, every state present. */
  counts: Record<string, number>;
}

export interface CampaignRunSummary {
  id: number;
  scheduledFor: Date;
  status: string;
  expandedAt: Date | null;
  completedAt: Date | null;
}

export interface CampaignDetails extends CampaignSummary {
  /** The campaign as the user wrote it. */
  definition: Record<string, unknown>;
  /** Empty when the campaign has no `template` (a WhatsApp template message, or a file alone). */
  templateSource: string;
  /** The approved WhatsApp template it sends, as stored; null for an ordinary message. */
  whatsappTemplate: WhatsAppTemplate | null;
  /** The URL of the file sent with each message; null when none. */
  attachment: string | null;
  /** The latest runs first, at most RECENT_RUNS of them; `runCount` has them all. */
  runs: CampaignRunSummary[];
  runCount: number;
}

export const RECENT_RUNS = 100;

/** A draft-only edit asked of a campaign that has gone live. */
export class CampaignNotDraftError extends BroadcasterError {
  readonly campaignId: number;

  constructor(campaignId: number, status: string, action: string) {
    super('campaign_not_draft', `campaign ${campaignId} is ${status}: only a draft can be ${action}`, {
      campaignId,
      status,
    });
    this.campaignId = campaignId;
  }
}

type SummaryRow = Omit<CampaignSummary, 'counts'>;

function summaryColumns(sql: Sql) {
  return sql`
    c.id, c.name, c.kind, c.status, c.status_reason as "statusReason", c.transport,
    c.channel_id as "channelId", c.purpose, c.next_run_at as "nextRunAt",
    c.created_at as "createdAt", c.updated_at as "updatedAt"`;
}

export async function listCampaigns(
  sql: Sql,
  filter: { status?: CampaignStatus; kind?: CampaignKind; limit: number; offset: number },
): Promise<{ items: CampaignSummary[]; total: number }> {
  const where = sql`
    where true
    ${filter.status === undefined ? sql`` : sql`and c.status = ${filter.status}`}
    ${filter.kind === undefined ? sql`` : sql`and c.kind = ${filter.kind}`}`;
  const [counted] = await sql<{ total: number }[]>`select count(*)::int as total from campaigns c ${where}`;
  const rows = await sql<SummaryRow[]>`
    select ${summaryColumns(sql)} from campaigns c ${where}
    order by c.id desc limit ${filter.limit} offset ${filter.offset}`;
  const counts = await deliveryCounts(
    sql,
    rows.map((r) => r.id),
  );
  return {
    items: rows.map((row) => ({ ...row, counts: counts.get(row.id) ?? emptyCounts() })),
    total: counted?.total ?? 0,
  };
}

export async function getCampaign(sql: Sql, campaignId: number): Promise<CampaignDetails | undefined> {
  type DetailsRow = SummaryRow &
    Pick<CampaignDetails, 'definition' | 'templateSource' | 'whatsappTemplate' | 'attachment'>;
  const [row] = await sql<DetailsRow[]>`
    select ${summaryColumns(sql)}, c.definition, c.template_source as "templateSource",
           c.whatsapp_template as "whatsappTemplate", c.attachment_url as attachment
    from campaigns c where c.id = ${campaignId}`;
  if (!row) return undefined;
  const runs = await sql<CampaignRunSummary[]>`
    select id, scheduled_for as "scheduledFor", status, expanded_at as "expandedAt", completed_at as "completedAt"
    from campaign_runs where campaign_id = ${campaignId}
    order by scheduled_for desc limit ${RECENT_RUNS}`;
  const [runCount] = await sql<{ n: number }[]>`
    select count(*)::int as n from campaign_runs where campaign_id = ${campaignId}`;
  const counts = await deliveryCounts(sql, [campaignId]);
  return {
    ...row,
    counts: counts.get(campaignId) ?? emptyCounts(),
    runs: [...runs],
    runCount: runCount?.n ?? 0,
  };
}

function emptyCounts(): Record<string, number> {
  return Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0]));
}

/** Deliveries per state of several campaigns in one pass over the (campaign_id, state) index. */
async function deliveryCounts(sql: Sql, campaignIds: number[]): Promise<Map<number, Record<string, number>>> {
  const byCampaign = new Map<number, Record<string, number>>();
  if (campaignIds.length === 0) return byCampaign;
  const rows = await sql<{ campaignId: number; state: string; n: number }[]>`
    select campaign_id as "campaignId", state, count(*)::int as n
    from deliveries where campaign_id = any(${campaignIds}::int[])
    group by 1, 2`;
  for (const row of rows) {
    const counts = byCampaign.get(row.campaignId) ?? emptyCounts();
    counts[row.state] = row.n;
    byCampaign.set(row.campaignId, counts);
  }
  return byCampaign;
}

/**
 * Replaces a draft's definition in one guarded UPDATE: the campaign stays a draft (publishing is its
 * own step) whatever the new definition says about `draft`. Anything but a draft is refused, so a
 * campaign that has started cannot change under its deliveries.
 */
export async function replaceDraftCampaign(
  sql: Sql,
  campaignId: number,
  definition: CampaignDefinition,
  options: { now: Date; templatesDir: string },
): Promise<CampaignDetails> {
  const templateSource = definition.template
    ? await resolveTemplate(definition.template, options.templatesDir)
    : '';
  const listId = await resolveList(sql, definition.audience);
  const schedule = definition.kind === 'broadcast' ? definition.schedule : null;
  const cron = schedule && 'cron' in schedule ? schedule : null;
  const stored = definition.raw ?? campaignDocument(definition);
  const [updated] = await sql<{ id: number }[]>`
    update campaigns set
      name = ${definition.name},
      kind = ${definition.kind},
      transport = ${definition.transport},
      channel_id = ${definition.channelId},
      definition = ${sql.json(stored as never)},
      template_source = ${templateSource},
      whatsapp_template = ${definition.whatsappTemplate ? sql.json(definition.whatsappTemplate as never) : null},
      attachment_url = ${definition.attachment ?? null},
      list_id = ${listId},
      schedule_at = ${schedule && 'at' in schedule ? schedule.at : null},
      schedule_cron = ${cron?.cron ?? null},
      timezone = ${definition.timezone ?? cron?.timezone ?? null},
      next_run_at = null,
      reminder_offsets = ${definition.kind === 'reminder' ? definition.offsets : []}::int[],
      send_window = ${definition.sendWindow ? sql.json(definition.sendWindow as never) : null},
      rate_limit_per_second = ${definition.rateLimitPerSecond},
      purpose = ${definition.purpose},
      template_variables = ${sql.json(definition.variables as never)},
      updated_at = ${options.now}
    where id = ${campaignId} and status = 'draft'
    returning id`;
  if (!updated) await refuseNonDraft(sql, campaignId, 'changed');
  return (await getCampaign(sql, campaignId))!;
}

/** Deletes a draft (it has no runs or deliveries yet); a campaign that went live is history. */
export async function deleteDraftCampaign(sql: Sql, campaignId: number): Promise<void> {
  const deleted = await sql`delete from campaigns where id = ${campaignId} and status = 'draft' returning id`;
  if (deleted.length === 0) await refuseNonDraft(sql, campaignId, 'deleted');
}

async function refuseNonDraft(sql: Sql, campaignId: number, action: string): Promise<never> {
  const [current] = await sql<{ status: string }[]>`select status from campaigns where id = ${campaignId}`;
  if (!current) throw new CampaignNotFoundError(campaignId);
  throw new CampaignNotDraftError(campaignId, current.status, action);
}
