import { moveCampaignsTo } from '../campaigns/lifecycle.js';
import { nextRunAfter, previousRunAtOrBefore } from '../campaigns/schedule.js';
import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';
import { countInstantsBetween, type ScheduleColumns, scheduleOf } from './campaignSchedule.js';

export interface DueRun {
  campaignId: number;
  /** The new run's id; null when a run for this instant already existed. */
  runId: number | null;
  scheduledFor: Date;
  /** Due instants passed over without a run (the engine was down, or the campaign paused). */
  skippedInstants: number;
  nextRunAt: Date | null;
}

interface DueCampaign extends ScheduleColumns {
  id: number;
  status: 'scheduled' | 'running';
  next_run_at: Date;
}

/**
 * Turns a due campaign's current instant into a `campaign_runs` row, in one transaction:
 * lock the campaign (`skip locked`: another instance is on it), insert the run, advance
 * next_run_at and move the campaign to running (through the campaign writer). Undefined when the campaign is no longer due.
 *
 * At most once across instances, graphile-worker style: the run is keyed by (campaign_id,
 * scheduled_for), and next_run_at only moves from the value this transaction read.
 *
 * When several instants passed while the engine was down (or the campaign was paused with
 * `missedTicks: runLatest`; with `skip` its resume moved next_run_at past them, resumeCampaign), only
 * the latest gets a run; the earlier ones are counted and skipped, never sent as a burst of stale runs.
 */
export async function createDueRun(sql: Sql, campaignId: number, now: Date): Promise<DueRun | undefined> {
  return sql.begin(async (tx) => {
    const [campaign] = await tx<DueCampaign[]>`
      select id, status, next_run_at, schedule_at, schedule_cron, timezone from campaigns
      where id = ${campaignId} and kind = 'broadcast' and status in ('scheduled', 'running')
        and next_run_at <= ${now}
      for update skip locked`;
    if (!campaign) return undefined;

    const schedule = scheduleOf(campaign);
    const latestDue = previousRunAtOrBefore(schedule, now);
    // next_run_at is the floor: an instant before it was already run (or skipped) earlier.
    const scheduledFor =
      latestDue !== null && latestDue > campaign.next_run_at ? latestDue : campaign.next_run_at;
    const skippedInstants = countInstantsBetween(schedule, campaign.next_run_at, scheduledFor);
    const nextRunAt = nextRunAfter(schedule, now);

    const [run] = await tx<{ id: number }[]>`
      insert into campaign_runs (campaign_id, scheduled_for, status)
      values (${campaign.id}, ${scheduledFor}, 'pending')
      on conflict (campaign_id, scheduled_for) do nothing
      returning id`;
    const advanced = await tx`
      update campaigns set next_run_at = ${nextRunAt}, updated_at = ${now}
      where id = ${campaign.id} and status in ('scheduled', 'running') and next_run_at = ${campaign.next_run_at}`;
    if (advanced.count !== 1) {
      // Unreachable while we hold the row lock; rolling back keeps the run and next_run_at together.
      throw new BroadcasterError(
        'campaign_changed',
        `campaign ${campaign.id} changed while its run was created`,
        {
          campaignId: campaign.id,
        },
      );
    }
    if (campaign.status === 'scheduled') {
      await moveCampaignsTo(tx, 'running', { ids: [campaign.id] }, { from: ['scheduled'], now });
    }
    return { campaignId: campaign.id, runId: run?.id ?? null, scheduledFor, skippedInstants, nextRunAt };
  });
}
