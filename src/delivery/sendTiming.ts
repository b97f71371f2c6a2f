import { nextSendInstant } from '../messages/sendWindow.js';
import type { ClaimedDelivery } from './sql/claimDueDeliveries.js';
import { REASONS } from './states.js';

/** What a claimed delivery does now, as far as time is concerned. */
export type SendTiming =
  | { action: 'send' }
  | { action: 'wait'; until: Date; reason: string }
  | { action: 'skip'; reason: string };

const SEND: SendTiming = { action: 'send' };

type TimedDelivery = Pick<
  ClaimedDelivery,
  'campaignKind' | 'appointment' | 'dueAt' | 'sendWindow' | 'contactTimezone' | 'campaignTimezone'
>;

/**
 * Checked before anything is asked of Chat2Desk, in the recipient's zone (prepareMessage): a reminder of a cancelled appointment is
 * skipped (`appointment_cancelled`), a reminder meant for before its appointment is `too_late` once the
 * appointment has started (or would have by the time the send window opens), and a delivery outside
 * its campaign's send window waits for the opening (`outside_send_window`). due_at is never changed:
 * the report measures lateness against it.
 */
export function timingBeforeSend(d: TimedDelivery, now: Date, timeZone: string): SendTiming {
  if (d.campaignKind === 'reminder') {
    // A reminder whose appointment row is gone (deleted) has nothing left to remind of.
    if (!d.appointment || d.appointment.status === 'cancelled') {
      return { action: 'skip', reason: REASONS.appointmentCancelled };
    }
    if (isPastItsAppointment(d, now)) return { action: 'skip', reason: REASONS.tooLate };
  }
  const opensAt = nextSendInstant(d.sendWindow, timeZone, now);
  if (opensAt.getTime() <= now.getTime()) return SEND;
  if (isPastItsAppointment(d, opensAt)) return { action: 'skip', reason: REASONS.tooLate };
  return { action: 'wait', until: opensAt, reason: REASONS.outsideSendWindow };
}

/**
 * A new WhatsApp client may not be messaged before `allowedAt` (creation + the configured delay): the
 * delivery waits for it, and goes out late; a reminder that could only go out once its appointment
 * has started is skipped `too_late` instead.
 */
export function timingAfterWhatsAppDelay(d: TimedDelivery, allowedAt: Date, now: Date): SendTiming {
  if (allowedAt.getTime() <= now.getTime()) return SEND;
  if (isPastItsAppointment(d, allowedAt)) return { action: 'skip', reason: REASONS.tooLate };
  return { action: 'wait', until: allowedAt, reason: REASONS.whatsappDelay };
}

/** A reminder due before its appointment, sent at `at`, would arrive when the appointment has begun. */
function isPastItsAppointment(d: TimedDelivery, at: Date): boolean {
  if (d.campaignKind !== 'reminder' || !d.appointment) return false;
  const startsAt = d.appointment.startsAt.getTime();
  return d.dueAt.getTime() < startsAt && at.getTime() >= startsAt;
}
