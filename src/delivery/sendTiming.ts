import {
  currentOrNextOpening,
  isInsideSendWindow,
  nextSendInstant,
  type SendWindow,
} from '../messages/sendWindow.js';
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
 * the report measures lateness against it. A reminder sent earlier (`window_earlier`, see
 * earlierSendInstant) is claimed inside its window and goes; claimed after that window closed, it
 * waits or is `too_late` like any other — never sent after its appointment has begun.
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

/** How much of the window a reminder sent earlier leaves before it closes: its last minute. */
const LAST_MINUTE_MS = 60_000;

/**
 * When a reminder planned at `plannedAt`, outside its send window, goes instead, decided as it is
 * scheduled (the worker claims by that time): `earlier` = the last minute of the window that closed
 * before `plannedAt` (or now, when that window is open now); `auto` the same, but only when the next
 * opening comes once the appointment has begun (else it waits, nearer its time); `wait` never. null:
 * no earlier time, i.e. it waits for the window (and the worker skips it `too_late` if that opening is
 * too late). Never a time already past, never one after the appointment's start; a reminder meant
 * for after its appointment always waits.
 */
export function earlierSendInstant(p: {
  window: SendWindow | null;
  timeZone: string;
  plannedAt: Date;
  startsAt: Date;
  policy: 'auto' | 'earlier' | 'wait';
  now: Date;
}): Date | null {
  const { window, timeZone, plannedAt, startsAt, now } = p;
  if (!window || p.policy === 'wait' || plannedAt.getTime() >= startsAt.getTime()) return null;
  if (isInsideSendWindow(window, timeZone, plannedAt)) return null;
  if (p.policy === 'auto' && nextSendInstant(window, timeZone, plannedAt).getTime() < startsAt.getTime())
    return null;
  const closed = lastOpeningBefore(window, timeZone, plannedAt);
  if (!closed || closed.closesAt.getTime() <= now.getTime()) return null;
  const lastMinute = Math.max(closed.opensAt.getTime(), closed.closesAt.getTime() - LAST_MINUTE_MS);
  return new Date(Math.max(lastMinute, now.getTime()));
}

/** The window opening last before `at` (outside every window), searched from eight days before it. */
function lastOpeningBefore(window: SendWindow, timeZone: string, at: Date) {
  let from = new Date(at.getTime() - 8 * 86_400_000);
  let last: ReturnType<typeof currentOrNextOpening> | null = null;
  for (;;) {
    const opening = currentOrNextOpening(window, timeZone, from);
    if (opening.opensAt.getTime() >= at.getTime()) return last;
    last = opening;
    from = opening.closesAt;
  }
}
