// What a reminder campaign does when a reminder cannot go at its planned time (campaign fields).

/**
 * A reminder whose planned time falls outside the send window: `wait` for the window (skipped
 * `too_late` when it opens only once the appointment has begun), go `earlier` (the window's last
 * minute before the planned time), or `auto`, the default: wait when the window opens before the
 * appointment, else earlier, so an 08:00 appointment under a 09:00–21:00 window still gets its −2h
 * reminder (the evening before) while a 10:00 one keeps it at 09:00, as close to the planned time as the window allows.
 */
export const OUTSIDE_WINDOW_POLICIES = ['auto', 'earlier', 'wait'] as const;
export type OutsideWindowPolicy = (typeof OUTSIDE_WINDOW_POLICIES)[number];
/**
 * An appointment booked (or moved) after a reminder's planned time: `sendNow` (default) sends one
 * catch-up, the latest missed reminder, unless a later one is still ahead; `skip` sends none. Either
 * way the others are skipped `booked_late`. sendLateWithin still covers what is less late than it.
 */
export const BOOKED_LATE_POLICIES = ['sendNow', 'skip'] as const;
export type BookedLatePolicy = (typeof BOOKED_LATE_POLICIES)[number];
