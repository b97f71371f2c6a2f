import type postgres from 'postgres';
import { skipPendingDeliveries } from '../../delivery/sql/skipPendingDeliveries.js';
import { REASONS } from '../../delivery/states.js';

/**
 * Skips, with reason `appointment_cancelled` and an event each, the pending reminders (queued or
 * waiting) of those of the given appointments that are cancelled, through the delivery writer. The
 * claim a worker may hold is dropped, so a worker already past its checks cannot record the send.
 */
export function skipCancelledReminders(
  tx: postgres.TransactionSql,
  options: { appointmentIds: readonly number[]; now: Date },
): Promise<number> {
  return skipPendingDeliveries(
    tx,
    { cancelledAppointmentIds: options.appointmentIds },
    { reason: REASONS.appointmentCancelled, now: options.now },
  );
}
