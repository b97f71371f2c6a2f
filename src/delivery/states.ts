/**
 * The delivery state machine, written down once. Every change of a delivery's state goes through
 * `assertTransition` (in code) and is mirrored by the `where state = any(...)` guard of the SQL that
 * performs it, so a stale worker can never move a delivery along an edge that is not listed here.
 */
export const DELIVERY_STATES = [
  'queued',
  'waiting',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'skipped',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** States in which a delivery may still go out: the workers' claim reads only these. */
export const PENDING_STATES = ['queued', 'waiting'] as const satisfies readonly DeliveryState[];

/** States a delivery never leaves on its own (delivered/read may still be upgraded by a status report). */
export const FINAL_STATES = ['failed', 'skipped'] as const satisfies readonly DeliveryState[];

/** States in which the message is known to have been accepted by Chat2Desk. */
export const SENT_STATES = ['sent', 'delivered', 'read'] as const satisfies readonly DeliveryState[];

export const TRANSITIONS: Readonly<Record<DeliveryState, readonly DeliveryState[]>> = {
  // waiting: for the WhatsApp new-client delay, a send window, the rate limit or a retry back-off.
  queued: ['waiting', 'sending', 'skipped', 'failed'],
  waiting: ['queued', 'waiting', 'sending', 'skipped', 'failed'],
  // sending -> queued/waiting: recovery found that Chat2Desk has no such message, so it may go again;
  // -> skipped: … but its campaign was cancelled meanwhile, so it may not.
  sending: ['sent', 'waiting', 'queued', 'failed', 'skipped'],
  // failed after sent: the messenger reported it undeliverable (recipient_status).
  sent: ['delivered', 'read', 'failed'],
  delivered: ['read'],
  read: [],
  failed: [],
  skipped: [],
};

/**
 * Reasons recorded with a state. Free-form suffixes carry detail (`missing_variable:firstName`,
 * `chat2desk:<message>`), so reports group by the part before the first colon.
 */
export const REASONS = {
  // skipped
  optedOut: 'opted_out',
  // a marketing campaign and no recorded opt-in
  noConsent: 'no_consent',
  invalidPhone: 'invalid_phone',
  missingVariable: (name: string) => `missing_variable:${name}`,
  // a value is there but cannot be used (a date read two ways, an object)
  invalidVariable: (name: string) => `invalid_variable:${name}`,
  // rendering for this contact would take more work than a message may (a loop over a huge list)
  renderLimit: 'render_limit',
  // longer than the transport takes (WhatsApp 4,096 characters, SMS 10 segments…)
  messageTooLong: 'message_too_long',
  // the transport does not take the attachment's kind of file (GET /v1/help/transports, to_client)
  attachmentNotSupported: 'attachment_not_supported',
  // Chat2Desk has no client with the phone and may not create one (creation switched off for the account)
  clientNotInChat2Desk: 'client_not_in_chat2desk',
  cancelled: 'cancelled',
  appointmentCancelled: 'appointment_cancelled',
  tooLate: 'too_late',
  // an appointment booked (or moved) after this reminder's time: it gets at most one catch-up
  bookedLate: 'booked_late',
  // waiting: sent before its planned time, at the window's last minute (a campaign's outsideWindow)
  windowEarlier: 'window_earlier',
  // waiting: a reminder moved to its appointment's new time; skipped: that time's reminder exists already
  rescheduled: 'rescheduled',
  // waiting
  whatsappDelay: 'whatsapp_new_client_delay',
  outsideSendWindow: 'outside_send_window',
  rateLimited: 'rate_limited',
  // held back while the account's Chat2Desk client directory is learnt: the client may be there already
  clientDirectorySync: 'client_directory_sync',
  retry: (cause: string) => `retry:${cause}`,
  // failed
  attemptsExhausted: (cause: string) => `attempts_exhausted:${cause}`,
  rejectedByChat2Desk: (message: string) => `chat2desk:${message}`,
  undeliverable: 'undeliverable',
  // sent (informational)
  transportReportsNoDelivery: 'transport_reports_no_delivery',
} as const;

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: DeliveryState,
    readonly to: DeliveryState,
  ) {
    super(`a delivery cannot go from ${from} to ${to}`);
  }
}

export function canTransition(from: DeliveryState, to: DeliveryState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: DeliveryState, to: DeliveryState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** The states a delivery may be in for it to move to `to`: the guard of every state-changing UPDATE. */
export function statesLeadingTo(to: DeliveryState): DeliveryState[] {
  return DELIVERY_STATES.filter((from) => TRANSITIONS[from].includes(to));
}

/** The timestamp column recording when a delivery entered each state. */
export const STATE_TIMESTAMP_COLUMN: Readonly<Record<DeliveryState, string>> = {
  queued: 'queued_at',
  waiting: 'waiting_at',
  sending: 'sending_at',
  sent: 'sent_at',
  delivered: 'delivered_at',
  read: 'read_at',
  failed: 'failed_at',
  skipped: 'skipped_at',
};
