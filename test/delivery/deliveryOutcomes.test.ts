import { describe, expect, it } from 'vitest';
import {
  Chat2DeskNotFoundError,
  Chat2DeskServerError,
  Chat2DeskValidationError,
} from '../../src/chat2desk/errors.js';
import { isStaleClient, skipReason } from '../../src/delivery/deliveryOutcomes.js';

const send = { endpoint: 'POST /v1/messages' };

describe('skipReason', () => {
  it('names the recipient refusals by their problem', () => {
    expect(skipReason({ ok: false, problem: 'opted_out', detail: '' })).toBe('opted_out');
    expect(skipReason({ ok: false, problem: 'no_consent', detail: '' })).toBe('no_consent');
    expect(skipReason({ ok: false, problem: 'invalid_phone', detail: '' })).toBe('invalid_phone');
  });

  it('names the variable a message could not be rendered without', () => {
    expect(skipReason({ ok: false, problem: 'missing_variable', variable: 'firstName' })).toBe(
      'missing_variable:firstName',
    );
    expect(
      skipReason({ ok: false, problem: 'invalid_variable', variable: 'visit.date', detail: 'not a date' }),
    ).toBe('invalid_variable:visit.date');
  });

  it('names a message too long or too costly to render', () => {
    expect(skipReason({ ok: false, problem: 'render_limit', detail: 'loop' })).toBe('render_limit');
    const size = { length: 5000, limit: 4096 };
    expect(skipReason({ ok: false, problem: 'message_too_long', detail: 'too long', size })).toBe(
      'message_too_long',
    );
  });
});

describe('isStaleClient', () => {
  it('recognises "client … not found" in English or Russian, from a 400 or a 404', () => {
    const english = new Chat2DeskValidationError('refused', {
      ...send,
      httpStatus: 400,
      apiMessage: 'Client 5 not found',
    });
    const russian = new Chat2DeskNotFoundError('refused', {
      ...send,
      httpStatus: 404,
      apiMessage: 'Клиент 5 не найден',
    });
    expect(isStaleClient(english)).toBe(true);
    expect(isStaleClient(russian)).toBe(true);
  });

  it('takes a 404 with no message for a stale client, but not a 400 with none', () => {
    expect(isStaleClient(new Chat2DeskNotFoundError('not found', { ...send, httpStatus: 404 }))).toBe(true);
    expect(isStaleClient(new Chat2DeskValidationError('refused', { ...send, httpStatus: 400 }))).toBe(false);
  });

  it('does not mistake other refusals, other errors or other sentences for one', () => {
    const channel = new Chat2DeskNotFoundError('x', {
      ...send,
      httpStatus: 404,
      apiMessage: 'Channel not found',
    });
    const split = new Chat2DeskValidationError('x', {
      ...send,
      apiMessage: 'Client is fine. Message not found',
    });
    const server = new Chat2DeskServerError('x', {
      ...send,
      httpStatus: 500,
      apiMessage: 'client 5 not found',
    });
    expect(isStaleClient(channel)).toBe(false);
    expect(isStaleClient(split)).toBe(false);
    expect(isStaleClient(server)).toBe(false);
    expect(isStaleClient(new Error('client 5 not found'))).toBe(false);
    expect(isStaleClient(undefined)).toBe(false);
  });
});
