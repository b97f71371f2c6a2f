import type { DeliveryState } from '../states.js';

/** Columns a state change may set besides state, reason and the state's timestamp. */
export interface DeliveryChanges {
  nextAttemptAt?: Date;
  renderedText?: string;
  /** null: forgotten (Chat2Desk no longer knows that client). */
  chat2deskClientId?: string | number | bigint | null;
  chat2deskMessageId?: string | number | bigint | null;
  attempts?: number;
  /** true: the worker lets go of the delivery (any state but sending). */
  release?: boolean;
  /** A reminder moved to its appointment's new time: its due time, key and (new) contact. */
  dueAt?: Date;
  reminderKey?: string;
  contactId?: number;
}

export interface MoveDelivery {
  id: string;
  /** The delivery's run, when the mover knows it: the row is then looked up in its run's partition only. */
  runId?: number;
  to: DeliveryState;
  reason: string | null;
  now: Date;
  /** Only this worker's delivery moves (a worker whose lease was taken over must not)… */
  workerId?: string;
  /** …under this claim: a later claim of the same delivery (even by this worker) has a new token. */
  leaseToken?: string;
  /** The delivery's campaign: required for a move to `sending`, which needs it running. */
  campaignId?: number;
  changes?: DeliveryChanges;
  details?: Record<string, unknown>;
}
