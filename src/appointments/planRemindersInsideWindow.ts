import type postgres from 'postgres';
import { earlierSendInstant } from '../delivery/sendTiming.js';
import { moveDeliveriesTo } from '../delivery/sql/moveDeliveries.js';
import type { MoveDelivery } from '../delivery/sql/moveDelivery.js';
import { REASONS } from '../delivery/states.js';
import { recipientTimeZone } from '../messages/composeMessage.js';
import type { ReminderCampaign } from './reminderCampaigns.js';
import { remindersToPlan } from './sql/remindersToPlan.js';

/**
 * Reminders planned outside their campaign's send window that the campaign's outsideWindow sends
 * earlier (earlierSendInstant) are moved to `waiting`, reason `window_earlier`, due then: decided as
 * they are scheduled, since by their planned time the window before them has closed. due_at stays
 * (the report measures against it); the event keeps both times. The zone is the worker's
 * (contact, appointment, campaign, else DEFAULT_TIMEZONE as the caller gives it). Returns how many go earlier.
 */
export async function planRemindersInsideWindow(
  tx: postgres.TransactionSql,
  options: {
    campaigns: readonly ReminderCampaign[];
    appointmentIds: readonly number[] | 'all';
    now: Date;
    /** The worker's zone for recipients without one (DEFAULT_TIMEZONE); UTC when not given. */
    defaultTimezone?: string | undefined;
  },
): Promise<number> {
  const { now } = options;
  const policies = new Map(options.campaigns.map((c) => [c.campaignId, c.outsideWindow]));
  const campaignIds = options.campaigns.filter((c) => c.outsideWindow !== 'wait').map((c) => c.campaignId);
  const reminders = await remindersToPlan(tx, { campaignIds, appointmentIds: options.appointmentIds });
  const moves: MoveDelivery[] = [];
  for (const r of reminders) {
    const timeZone = recipientTimeZone(
      { contact: r.contactTimezone, appointment: r.appointmentTimezone, campaign: r.campaignTimezone },
      options.defaultTimezone ?? 'UTC',
    );
    const at = earlierSendInstant({
      window: r.sendWindow,
      timeZone,
      plannedAt: r.nextAttemptAt,
      startsAt: r.startsAt,
      policy: policies.get(r.campaignId) ?? 'auto',
      now,
    });
    if (!at) continue;
    moves.push({
      id: r.id,
      runId: r.runId,
      to: 'waiting',
      reason: REASONS.windowEarlier,
      now,
      changes: { nextAttemptAt: at },
      details: { plannedAt: r.nextAttemptAt.toISOString(), sendsAt: at.toISOString(), timeZone },
    });
  }
  const moved = await moveDeliveriesTo(tx, 'waiting', moves, { from: ['queued', 'waiting'] });
  return moved.size;
}
