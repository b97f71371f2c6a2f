import { Chat2DeskNotFoundError, Chat2DeskValidationError } from '../chat2desk/errors.js';
import type { MessageFailure, RecipientRefusal } from '../messages/composeMessage.js';
import { REASONS } from './states.js';

/** The reason a delivery is skipped for, recorded in its state and grouped in reports. */
export function skipReason(failure: RecipientRefusal | MessageFailure): string {
  switch (failure.problem) {
    case 'opted_out':
      return REASONS.optedOut;
    case 'no_consent':
      return REASONS.noConsent;
    case 'invalid_phone':
      return REASONS.invalidPhone;
    case 'missing_variable':
      return REASONS.missingVariable(failure.variable);
    case 'invalid_variable':
      return REASONS.invalidVariable(failure.variable);
    case 'render_limit':
      return REASONS.renderLimit;
    case 'message_too_long':
      return REASONS.messageTooLong;
  }
}

/** A send refused because Chat2Desk does not know the client id: "client 5 not found" (400 or 404). */
export function isStaleClient(error: unknown): boolean {
  if (!(error instanceof Chat2DeskNotFoundError || error instanceof Chat2DeskValidationError)) return false;
  const text = error.apiMessage ?? '';
  return (
    /client\b[^.]*not found|клиент[^.]*не найден/i.test(text) ||
    (error instanceof Chat2DeskNotFoundError && text === '')
  );
}
