import type { Database } from '../db/database.js';
import type { Prisma } from '../db/generated/prisma/client.js';
import { DELIVERY_STATES } from '../delivery/states.js';
import { BroadcasterError } from '../errors.js';
import type { CampaignPurpose } from '../messages/consent.js';
import type { WhatsAppTemplate } from '../messages/whatsappTemplate.js';
import { campaignColumns, refuseVanishedList } from './createCampaign.js';
import type { CampaignDefinition, CampaignKind } from './definition.js';
import { CampaignNotFoundError } from './errors.js';
import type { CampaignStatus } from './lifecycle.js';
import { type CampaignSchedule, scheduleOf } from './schedule.js';

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
  /** When it runs, as written: once at an instant, or a cron in its zone; null for a reminder campaign. */
  schedule: CampaignSchedule;
  /** The campaign's own zone (`timezone`), when it names one. */
  timezone: string | null;
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

const summarySelect = {
  id: true,
  name: true,
  kind: true,
  status: true,
  statusReason: true,
  transport: true,
  channelId: true,
  purpose: true,
  nextRunAt: true,
  scheduleAt: true,
  scheduleCron: true,
  timezone: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.CampaignSelect;

const detailsSelect = {
  ...summarySelect,
  definition: true,
  templateSource: true,
  whatsappTemplate: true,
  attachmentUrl: true,
} satisfies Prisma.CampaignSelect;

function summaryOf(
  row: Prisma.CampaignGetPayload<{ select: typeof summarySelect }>,
): Omit<CampaignSummary, 'counts'> {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    status: row.status,
    statusReason: row.statusReason,
    transport: row.transport,
    channelId: row.channelId,
    purpose: row.purpose as CampaignPurpose,
    nextRunAt: row.nextRunAt,
    schedule: scheduleOf({
      schedule_at: row.scheduleAt,
      schedule_cron: row.scheduleCron,
      timezone: row.timezone,
    }),
    timezone: row.timezone,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function listCampaigns(
  db: Pick<Database, 'prisma'>,
  filter: { status?: CampaignStatus; kind?: CampaignKind; limit: number; offset: number },
): Promise<{ items: CampaignSummary[]; total: number }> {
  const where = {
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.kind === undefined ? {} : { kind: filter.kind }),
  } satisfies Prisma.CampaignWhereInput;
  const total = await db.prisma.campaign.count({ where });
  const rows = await db.prisma.campaign.findMany({
    where,
    select: summarySelect,
    orderBy: { id: 'desc' },
    skip: filter.offset,
    take: filter.limit,
  });
  const counts = await deliveryCounts(
    db,
    rows.map((r) => r.id),
  );
  return {
    items: rows.map((row) => ({ ...summaryOf(row), counts: counts.get(row.id) ?? emptyCounts() })),
    total,
  };
}

export async function getCampaign(
  db: Pick<Database, 'prisma'>,
  campaignId: number,
): Promise<CampaignDetails | undefined> {
  // One campaign: Prisma limits its runs in SQL and counts them by its id alone (measured).
  const row = await db.prisma.campaign.findUnique({
    where: { id: campaignId },
    select: {
      ...detailsSelect,
      runs: {
        select: { id: true, scheduledFor: true, status: true, expandedAt: true, completedAt: true },
        orderBy: { scheduledFor: 'desc' },
        take: RECENT_RUNS,
      },
      _count: { select: { runs: true } },
    },
  });
  if (!row) return undefined;
  const counts = await deliveryCounts(db, [campaignId]);
  return {
    ...summaryOf(row),
    definition: row.definition as Record<string, unknown>,
    templateSource: row.templateSource,
    whatsappTemplate: row.whatsappTemplate as WhatsAppTemplate | null,
    attachment: row.attachmentUrl,
    counts: counts.get(campaignId) ?? emptyCounts(),
    runs: row.runs,
    runCount: row._count.runs,
  };
}

function emptyCounts(): Record<string, number> {
  return Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0]));
}

/**
 * Deliveries per state of several campaigns, from the kept counts (delivery_counts, summed over their
 * slots): the same few rows for a campaign of ten recipients or of a million.
 */
async function deliveryCounts(
  db: Pick<Database, 'prisma'>,
  campaignIds: number[],
): Promise<Map<number, Record<string, number>>> {
  const byCampaign = new Map<number, Record<string, number>>();
  if (campaignIds.length === 0) return byCampaign;
  const rows = await db.prisma.deliveryCount.groupBy({
    by: ['campaignId', 'state'],
    where: { campaignId: { in: campaignIds } },
    _sum: { n: true },
  });
  for (const row of rows) {
    const counts = byCampaign.get(row.campaignId) ?? emptyCounts();
    counts[row.state] = Number(row._sum.n ?? 0);
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
  db: Pick<Database, 'prisma'>,
  campaignId: number,
  definition: CampaignDefinition,
  options: { now: Date; templatesDir: string },
): Promise<CampaignDetails> {
  const columns = await campaignColumns(db, definition, options.templatesDir);
  const updated = await db.prisma.campaign
    .updateMany({
      where: { id: campaignId, status: 'draft' },
      data: { ...columns, nextRunAt: null, updatedAt: options.now },
    })
    .catch((error: unknown) => refuseVanishedList(error, definition.audience));
  if (updated.count === 0) await refuseNonDraft(db, campaignId, 'changed');
  return (await getCampaign(db, campaignId))!;
}

/** Deletes a draft (it has no runs or deliveries yet); a campaign that went live is history. */
export async function deleteDraftCampaign(db: Pick<Database, 'prisma'>, campaignId: number): Promise<void> {
  const deleted = await db.prisma.campaign.deleteMany({ where: { id: campaignId, status: 'draft' } });
  if (deleted.count === 0) await refuseNonDraft(db, campaignId, 'deleted');
}

async function refuseNonDraft(
  db: Pick<Database, 'prisma'>,
  campaignId: number,
  action: string,
): Promise<never> {
  const current = await db.prisma.campaign.findUnique({
    where: { id: campaignId },
    select: { status: true },
  });
  if (!current) throw new CampaignNotFoundError(campaignId);
  throw new CampaignNotDraftError(campaignId, current.status, action);
}
