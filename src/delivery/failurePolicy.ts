import {
  Chat2DeskAuthError,
  Chat2DeskError,
  Chat2DeskQuotaExhaustedError,
  Chat2DeskValidationError,
} from '../chat2desk/errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { QuotaGuardError } from './chat2deskGate.js';
import { isStaleClient } from './deliveryOutcomes.js';
import { REASONS } from './states.js';

/** What a delivery does after a step failed; DeliverySender carries it out. */
export type FailureAction =
  /** The quota or the token stops the whole campaign: paused, the delivery put back unsent. */
  | { act: 'pause'; reason: 'quota_guard' | 'chat2desk_auth' }
  /** Transient: wait with back-off, then fail once the attempts are spent. */
  | { act: 'retry'; cause: string }
  /** A found client refused on the transport: add it (POST /v1/clients) and retry; else `otherwise`. */
  | { act: 'add_transport'; otherwise: FailureAction }
  /** Chat2Desk does not know the client id: forget it, so the next attempt resolves the client again. */
  | { act: 'forget_client' }
  /** Refused for good, with the reason recorded. */
  | { act: 'fail'; reason: string }
  /** The database went away: the claim is taken up again once it answers. */
  | { act: 'database' }
  /** Our own fault: logged, counted, retried with back-off (or reconciled if it was sending). */
  | { act: 'internal' };

/**
 * The failure policy of a delivery, in one place: which errors pause the campaign, which are retried,
 * which mean the client must be resolved again, and which are final. `step` names where it failed
 * (`send` for POST /v1/messages, where a refusal may concern the client id or its transport).
 */
export function failureAction(
  error: unknown,
  d: { chat2deskClientId: string | null },
  step: string,
): FailureAction {
  if (error instanceof QuotaGuardError || error instanceof Chat2DeskQuotaExhaustedError) {
    return { act: 'pause', reason: 'quota_guard' };
  }
  if (error instanceof Chat2DeskAuthError) return { act: 'pause', reason: 'chat2desk_auth' };
  if (error instanceof Chat2DeskError && error.retryable) return { act: 'retry', cause: error.code };
  if (step === 'send' && d.chat2deskClientId && isStaleClient(error)) return { act: 'forget_client' };
  if (error instanceof Chat2DeskError) {
    const fail: FailureAction = {
      act: 'fail',
      reason: REASONS.rejectedByChat2Desk(error.apiMessage ?? error.code),
    };
    // A client the engine found (not created on this transport) may not be on it.
    const notOnTransport =
      step === 'send' && d.chat2deskClientId && error instanceof Chat2DeskValidationError;
    return notOnTransport ? { act: 'add_transport', otherwise: fail } : fail;
  }
  if (isDatabaseUnavailable(error)) return { act: 'database' };
  return { act: 'internal' };
}
