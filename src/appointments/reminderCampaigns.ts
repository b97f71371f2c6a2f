import type postgres from 'postgres';
import { DELIVERIES_CHANNEL } from '../db/channels.js';
import type { Sql } from '../db/database.js';
import { parseDuration } from '../time/durations.js';
import { planRemindersInsideWindow } from './planRemindersInsideWindow.js';
import {
  BOOKED_LATE_POLICIES,
  type BookedLatePolicy,
  OUTSIDE_WINDOW_POLICIES,
  type OutsideWindowPolicy,
} from './reminderPolicies.js';
import { insertReminderDeliveries } from './sql/insertReminderDeliveries.js';

export type Queryable = Sql | postgres.TransactionSql;

/** A reminder campaign that takes new reminders, with what scheduling them needs. */
export interface ReminderCampaign {
  campaignId: number;
  /** The campaign's single run: every reminder delivery of the campaign belongs to it. */
  runId: number;
  /** How long after its due time a reminder booked late may still go out (0: not at all). */
  sendLateWithinSeconds: number;
  /** An appointment booked after a reminder's time: one catch-up (sendNow) or none (skip). */
  bookedLate: BookedLatePolicy;
  /** A reminder planned outside the send window: wait for it, go earlier, or auto (timingFields.ts). */
  outsideWindow: OutsideWindowPolicy;
}

/**
 * Reminder campaigns that take new reminders: running ones, and paused ones (their reminders wait for
 * the resume). Few rows; `sendLateWithin`, `bookedLate` and `outsideWindow` are read from the definition
 * as the user wrote it (validated then), absent ones taking their defaults.
 */
export async function activeReminderCampaigns(
  sql: Queryable,
  options: { campaignId?: number } = {},
): Promise<ReminderCampaign[]> {
  const rows = await sql<
    {
      campaign_id: number;
      run_id: number;
      send_late_within: string | null;
      booked_late: string | null;
      outside_window: string | null;
    }[]
  >`
    select distinct on (k.id) k.id as campaign_id, r.id as run_id,
           k.definition->>'sendLateWithin' as send_late_within,
           k.definition->>'bookedLate' as booked_late, k.definition->>'outsideWindow' as outside_window
    from campaigns k
    join campaign_runs r on r.campaign_id = k.id and r.status = 'running'
    where k.kind = 'reminder' and k.status in ('running', 'paused')
      ${options.campaignId === undefined ? sql`` : sql`and k.id = ${options.campaignId}`}
    order by k.id, r.id`;
  return rows.map((row) => ({
    campaignId: row.campaign_id,
    runId: row.run_id,
    sendLateWithinSeconds: Math.max(0, parseDuration(row.send_late_within ?? '')?.seconds ?? 0),
    bookedLate: BOOKED_LATE_POLICIES.find((p) => p === row.booked_late) ?? 'sendNow',
    outsideWindow: OUTSIDE_WINDOW_POLICIES.find((p) => p === row.outside_window) ?? 'auto',
  }));
}

/**
 * A reminder campaign goes live (created running, or published from a draft): its one run is made
 * (scheduled for the campaign's creation instant, so doing this twice is a no-op) and the appointments
 * already booked in the future get their reminders, in one INSERT … SELECT. Workers are woken.
 */
export async function startReminderCampaign(
  tx: postgres.TransactionSql,
  campaignId: number,
  options: { now: Date; defaultTimezone?: string | undefined },
): Promise<{ queued: number; skipped: number }> {
  await tx`
    insert into campaign_runs (campaign_id, scheduled_for, status, expanded_at)
    select id, created_at, 'running', ${options.now} from campaigns
    where id = ${campaignId} and kind = 'reminder'
    on conflict (campaign_id, scheduled_for) do nothing`;
  const [campaign] = await activeReminderCampaigns(tx, { campaignId });
  if (!campaign) return { queued: 0, skipped: 0 };
  const counts = await insertReminderDeliveries(tx, {
    campaigns: [campaign],
    appointments: 'upcoming',
    now: options.now,
  });
  await planRemindersInsideWindow(tx, {
    campaigns: [campaign],
    appointmentIds: 'all',
    now: options.now,
    defaultTimezone: options.defaultTimezone,
  });
  if (counts.queued > 0) await tx`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
  return counts;
}
