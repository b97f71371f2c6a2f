import type postgres from 'postgres';
import { startReminderCampaign } from '../appointments/reminderCampaigns.js';
import type { Sql } from '../db/database.js';
import type { CampaignPauser } from '../delivery/campaignPauser.js';
import { cancelUnmadeBlocks } from '../delivery/sql/audienceBlocks.js';
import { skipPendingDeliveries } from '../delivery/sql/skipPendingDeliveries.js';
import { REASONS } from '../delivery/states.js';
import { BroadcasterError } from '../errors.js';
import { CampaignDefinitionError, CampaignNotFoundError, InvalidCampaignTransitionError } from './errors.js';
import { type MissedTicksPolicy, missedTicksOf } from './missedTicksField.js';
import { moveRunsTo, OPEN_RUN_STATUSES } from './runStates.js';
import {
  type CampaignSchedule,
  countInstantsBetween,
  nextRunAfter,
  previousRunAtOrBefore,
  type ScheduleColumns,
  scheduleOf,
} from './schedule.js';

/**
 * The campaign state machine, written down once, with its one writer (moveCampaignsTo): every change
 * of a campaign's status is one statement guarded by the statuses allowed to lead to it, appending a
 * campaign_events row, so two people (or a person and a worker) acting at once cannot both win, and
 * a stale view never moves a campaign along an edge that is not listed here.
 */
export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'running',
  'paused',
  'completed',
  'cancelled',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ['scheduled', 'cancelled'],
  scheduled: ['running', 'paused', 'cancelled', 'completed'],
  running: ['paused', 'completed', 'cancelled'],
  // paused → scheduled: resumed before any of its runs started, it waits for its next tick.
  paused: ['running', 'scheduled', 'cancelled'],
  completed: [],
  cancelled: [],
};

type Queryable = Sql | postgres.TransactionSql;

export interface StatusChange {
  from: CampaignStatus;
  to: CampaignStatus;
}

export interface StatusChangeOptions {
  /** Why, when the engine rather than a person made the change (e.g. quota_guard); cleared otherwise. */
  reason?: string | null;
  now: Date;
  /** DEFAULT_TIMEZONE: where a published reminder campaign places reminders of recipients without a zone. */
  defaultTimezone?: string | undefined;
}

export function canChangeCampaignStatus(from: CampaignStatus, to: CampaignStatus): boolean {
  return CAMPAIGN_TRANSITIONS[from].includes(to);
}

/** The statuses a campaign may be in for it to move to `to`: the guard of the UPDATE. */
export function statusesLeadingTo(to: CampaignStatus): CampaignStatus[] {
  return CAMPAIGN_STATUSES.filter((from) => CAMPAIGN_TRANSITIONS[from].includes(to));
}

/** Which campaigns to move: by id, or every campaign matching a condition on `c` (campaigns c). */
export type CampaignTarget = { ids: readonly number[] } | { where: postgres.PendingQuery<postgres.Row[]> };

/**
 * The campaign writer: moves the targeted campaigns to `to`, each only from a status leading there
 * (narrowed to `from`, whose edges are checked against the table), with one campaign_events row each,
 * in one statement. Returns the campaigns that moved, with the status each left.
 */
export async function moveCampaignsTo(
  sql: Queryable,
  to: CampaignStatus,
  target: CampaignTarget,
  options: StatusChangeOptions & { from?: readonly CampaignStatus[] },
): Promise<Array<{ id: number; from: CampaignStatus }>> {
  for (const from of options.from ?? []) {
    if (!canChangeCampaignStatus(from, to)) {
      throw new BroadcasterError(
        'campaign_transition_invalid',
        `a campaign cannot go from ${from} to ${to}`,
        {
          from,
          to,
        },
      );
    }
  }
  const allowed = options.from ? [...options.from] : statusesLeadingTo(to);
  const reason = options.reason ?? null;
  const condition = 'ids' in target ? sql`c.id = any(${target.ids as number[]}::int[])` : target.where;
  // The CTE reads the status the UPDATE replaces (RETURNING sees only the new row).
  return sql<Array<{ id: number; from: CampaignStatus }>>`
    with before as (
      select c.id, c.status from campaigns c
      where c.status = any(${allowed}::campaign_status[]) and ${condition}
      order by c.id
      for update of c
    ), moved as (
      update campaigns k set status = ${to}, status_reason = ${reason}, updated_at = ${options.now}
      from before where k.id = before.id
      returning k.id, before.status as from_status
    ), logged as (
      insert into campaign_events (campaign_id, from_status, to_status, reason, at)
      select id, from_status, ${to}, ${reason}, ${options.now} from moved
    )
    select id, from_status as "from" from moved`;
}

/**
 * One campaign to `to` (only from `from`, when given); an edge that is not allowed from its current
 * status is an error saying so.
 */
export async function changeCampaignStatus(
  sql: Queryable,
  campaignId: number,
  to: CampaignStatus,
  options: StatusChangeOptions & { from?: readonly CampaignStatus[] },
): Promise<StatusChange> {
  const [changed] = await moveCampaignsTo(sql, to, { ids: [campaignId] }, options);
  if (changed) return { from: changed.from, to };

  const [current] = await sql<
    { status: CampaignStatus }[]
  >`select status from campaigns where id = ${campaignId}`;
  if (!current) throw new CampaignNotFoundError(campaignId);
  if (current.status === to) throw new CampaignAlreadyInStatusError(campaignId, to);
  throw new InvalidCampaignTransitionError(campaignId, current.status, to);
}

/**
 * A repeated step (pause of a paused campaign, resume of a running one): still a refused transition
 * (409 invalid_transition, exit 1: the caller learns that someone or something got there first), told
 * as "already paused" rather than as an edge from a status to itself.
 */
export class CampaignAlreadyInStatusError extends InvalidCampaignTransitionError {
  constructor(campaignId: number, status: CampaignStatus) {
    super(campaignId, status, status);
    this.message = `campaign ${campaignId} is already ${status}`;
  }
}

/** Workers stop claiming its deliveries (they check the status when they claim); nothing is moved. */
export function pauseCampaign(
  sql: Queryable,
  campaignId: number,
  options: StatusChangeOptions,
): Promise<StatusChange> {
  return changeCampaignStatus(sql, campaignId, 'paused', options);
}

/**
 * The delivery worker's way to pause a campaign the quota or the token stops (CampaignPauser): only
 * one that is scheduled or running; false when it was paused or cancelled by someone else first.
 */
export function campaignPauser(sql: Queryable): CampaignPauser {
  return async (campaignId, reason, now) => {
    const moved = await moveCampaignsTo(
      sql,
      'paused',
      { ids: [campaignId] },
      {
        reason,
        now,
        from: ['scheduled', 'running'],
      },
    );
    return moved.length > 0;
  };
}

/** What resuming a recurring campaign did with the cron ticks that fell due while it was paused. */
export interface MissedTicksOnResume {
  policy: MissedTicksPolicy;
  /** Ticks that fell due while it was paused (at most MISSED_INSTANTS_COUNT_LIMIT counted). */
  missed: number;
  /** runLatest with a tick missed: the tick the scheduler runs now; else null. */
  runsNow: Date | null;
  /** The next tick after the resume (after the one running now, with runLatest). */
  nextRunAt: Date | null;
  timezone: string;
}

export interface ResumedCampaign extends StatusChange {
  /** A recurring (cron) campaign's missed ticks; null for a one-shot or reminder campaign. */
  missedTicks: MissedTicksOnResume | null;
}

/**
 * Back to `running` when it has work under way (a run not yet finished), when it is a reminder
 * campaign (always running while active), or when no tick is left (its last run finished while it
 * was paused: the scheduler then completes it); else to `scheduled`, to wait for its next tick.
 *
 * A recurring campaign's next_run_at stood still while it was paused, so a tick it passed is due the
 * moment it resumes. With `missedTicks: skip` (the default) the resume moves next_run_at past now in
 * the same transaction as the status change: ticks count from the resume on. With `runLatest` it is
 * left due, and the scheduler runs the latest missed tick (src/scheduler/createDueRun.ts).
 */
export async function resumeCampaign(
  sql: Sql,
  campaignId: number,
  options: StatusChangeOptions,
): Promise<ResumedCampaign> {
  return sql.begin(async (tx) => {
    const [campaign] = await tx<
      (ScheduleColumns & {
        kind: 'broadcast' | 'reminder';
        status: CampaignStatus;
        next_run_at: Date | null;
        definition: unknown;
        has_open_runs: boolean;
      })[]
    >`
      select c.kind, c.status, c.next_run_at, c.schedule_at, c.schedule_cron, c.timezone, c.definition,
        exists (
          select 1 from campaign_runs r
          where r.campaign_id = c.id and r.status = any(${[...OPEN_RUN_STATUSES]}::run_status[])
        ) as has_open_runs
      from campaigns c where c.id = ${campaignId}
      for update of c`;
    if (!campaign) throw new CampaignNotFoundError(campaignId);
    if (campaign.status === 'running' || campaign.status === 'scheduled') {
      throw new CampaignAlreadyInStatusError(campaignId, campaign.status);
    }
    const schedule = scheduleOf(campaign);
    const missedTicks =
      campaign.status === 'paused' && campaign.kind === 'broadcast' && schedule && 'cron' in schedule
        ? await settleMissedTicks(tx, campaignId, schedule, campaign, options.now)
        : null;
    const hasNextRun = missedTicks ? missedTicks.nextRunAt !== null : campaign.next_run_at !== null;
    const busy = campaign.kind === 'reminder' || campaign.has_open_runs || !hasNextRun;
    // Only a paused campaign resumes: a draft is published, never "resumed" past its schedule.
    const change = await changeCampaignStatus(tx, campaignId, busy ? 'running' : 'scheduled', {
      ...options,
      from: ['paused'],
    });
    return { ...change, missedTicks };
  });
}

/** `missedTicks` applied to a cron campaign being resumed: skip moves next_run_at past now. */
async function settleMissedTicks(
  tx: postgres.TransactionSql,
  campaignId: number,
  schedule: { cron: string; timezone: string },
  campaign: { next_run_at: Date | null; definition: unknown },
  now: Date,
): Promise<MissedTicksOnResume> {
  const policy = missedTicksOf(campaign.definition);
  const nextAfterNow = nextRunAfter(schedule, now);
  const due = campaign.next_run_at;
  const missed =
    due === null || due > now ? 0 : countInstantsBetween(schedule, due, new Date(now.getTime() + 1));
  if (missed > 0 && policy === 'skip') {
    await tx`update campaigns set next_run_at = ${nextAfterNow} where id = ${campaignId}`;
  }
  const runsNow = missed > 0 && policy === 'runLatest' ? previousRunAtOrBefore(schedule, now) : null;
  return { policy, missed, runsNow, nextRunAt: nextAfterNow, timezone: schedule.timezone };
}

export interface CancelledCampaign extends StatusChange {
  /** Deliveries that had not gone out, now skipped with reason `cancelled`. */
  skippedDeliveries: number;
  cancelledRuns: number;
}

/**
 * Cancels the campaign, and in the same transaction cancels its unfinished runs and skips every
 * delivery still waiting to go out (with an event each; the members of audience blocks not yet made
 * into rows are counted as cancelled at once, their rows made later by the scheduler,
 * src/delivery/sql/audienceBlocks.ts). Deliveries already sending or sent are left to finish: the
 * message may already be with Chat2Desk.
 */
export async function cancelCampaign(
  sql: Sql,
  campaignId: number,
  options: StatusChangeOptions,
): Promise<CancelledCampaign> {
  return sql.begin(async (tx) => {
    const change = await changeCampaignStatus(tx, campaignId, 'cancelled', options);
    // The runs first: an expansion batch in progress holds its run's row, and is waited for here; the
    // next one finds the run cancelled. Then every block of the audience is there to be cancelled.
    const runs = await moveRunsTo(tx, 'cancelled', { where: tx`r.campaign_id = ${campaignId}` }, options);
    const unmade = await cancelUnmadeBlocks(tx, campaignId);
    const skipped = await skipPendingDeliveries(
      tx,
      { campaignId },
      { reason: REASONS.cancelled, now: options.now },
    );
    return { ...change, skippedDeliveries: unmade + skipped, cancelledRuns: runs.length };
  });
}

/**
 * A draft goes live: a broadcast becomes `scheduled` with its next run computed from now (a draft
 * keeps none, so a tick that passed while it was a draft cannot fire the moment it is published); a
 * reminder campaign goes on to `running`, as createCampaign makes non-draft reminders, and gets its
 * run and the reminders of the appointments already booked.
 */
export async function publishCampaign(
  sql: Sql,
  campaignId: number,
  options: StatusChangeOptions,
): Promise<StatusChange> {
  return sql.begin(async (tx) => {
    // Only a draft is published: a paused campaign resumes instead.
    const change = await changeCampaignStatus(tx, campaignId, 'scheduled', { ...options, from: ['draft'] });
    const [campaign] = await tx<
      {
        kind: 'broadcast' | 'reminder';
        schedule_at: Date | null;
        schedule_cron: string | null;
        timezone: string | null;
      }[]
    >`select kind, schedule_at, schedule_cron, timezone from campaigns where id = ${campaignId}`;
    if (!campaign) throw new CampaignNotFoundError(campaignId);
    if (campaign.kind === 'reminder') {
      await changeCampaignStatus(tx, campaignId, 'running', options);
      await startReminderCampaign(tx, campaignId, {
        now: options.now,
        defaultTimezone: options.defaultTimezone,
      });
      return { from: change.from, to: 'running' };
    }
    const schedule: CampaignSchedule = campaign.schedule_cron
      ? { cron: campaign.schedule_cron, timezone: campaign.timezone ?? 'UTC' }
      : campaign.schedule_at
        ? { at: campaign.schedule_at }
        : null;
    const nextRunAt = nextRunAfter(schedule, options.now);
    if (nextRunAt === null) {
      const at = campaign.schedule_at?.toISOString() ?? '';
      throw new CampaignDefinitionError([{ path: 'schedule.at', message: `"${at}" is in the past` }]);
    }
    await tx`update campaigns set next_run_at = ${nextRunAt} where id = ${campaignId}`;
    return change;
  });
}
