import { describe, expect, it } from 'vitest';
import {
  Chat2DeskAuthError,
  Chat2DeskClientCreationDisabledError,
  Chat2DeskError,
  Chat2DeskNetworkError,
  Chat2DeskNotFoundError,
  Chat2DeskQuotaExhaustedError,
  Chat2DeskRateLimitedError,
  Chat2DeskServerError,
  Chat2DeskTimeoutError,
  Chat2DeskValidationError,
} from '../../src/chat2desk/errors.js';
import { BroadcasterError } from '../../src/errors.js';

const init = { endpoint: 'POST /v1/messages', httpStatus: 500, apiMessage: 'boom' };

describe('Chat2DeskError', () => {
  it('carries the endpoint, status and API message, in its fields and its details', () => {
    const error = new Chat2DeskServerError('Chat2Desk POST /v1/messages: HTTP 500: boom', {
      ...init,
      apiErrors: { text: ['too long'] },
      ambiguous: true,
    });
    expect(error).toBeInstanceOf(Chat2DeskError);
    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error).toMatchObject({
      name: 'Chat2DeskServerError',
      code: 'chat2desk_server_error',
      message: 'Chat2Desk POST /v1/messages: HTTP 500: boom',
      endpoint: 'POST /v1/messages',
      httpStatus: 500,
      apiMessage: 'boom',
      retryable: true,
      ambiguous: true,
    });
    expect(error.details).toEqual({
      endpoint: 'POST /v1/messages',
      retryable: true,
      ambiguous: true,
      httpStatus: 500,
      apiMessage: 'boom',
      apiErrors: { text: ['too long'] },
    });
  });

  it('leaves out of its details what it was not given, and is unambiguous by default', () => {
    const error = new Chat2DeskNetworkError('connection refused', { endpoint: 'GET /v1/clients/:id' });
    expect(error.details).toEqual({ endpoint: 'GET /v1/clients/:id', retryable: true, ambiguous: false });
    expect(error.httpStatus).toBeUndefined();
  });

  it('keeps the cause, and serialises to plain fields only', () => {
    const cause = new Error('ECONNRESET');
    const error = new Chat2DeskNetworkError('reset', {
      endpoint: 'POST /v1/messages',
      ambiguous: true,
      cause,
    });
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'Chat2DeskNetworkError',
      code: 'chat2desk_network',
      message: 'reset',
      details: { endpoint: 'POST /v1/messages', retryable: true, ambiguous: true },
    });
  });
});

describe('the error classes', () => {
  it('each have their code and say whether a retry may succeed', () => {
    const cases: Array<[Chat2DeskError, string, boolean]> = [
      [new Chat2DeskAuthError('m', init), 'chat2desk_auth', false],
      [new Chat2DeskRateLimitedError('m', init), 'chat2desk_rate_limited', true],
      [new Chat2DeskQuotaExhaustedError('m', init), 'chat2desk_quota_exhausted', false],
      [new Chat2DeskNotFoundError('m', init), 'chat2desk_not_found', false],
      [new Chat2DeskValidationError('m', init), 'chat2desk_validation', false],
      [new Chat2DeskClientCreationDisabledError('m', init), 'chat2desk_client_creation_disabled', false],
      [new Chat2DeskServerError('m', init), 'chat2desk_server_error', true],
      [new Chat2DeskTimeoutError('m', init), 'chat2desk_timeout', true],
      [new Chat2DeskNetworkError('m', init), 'chat2desk_network', true],
    ];
    for (const [error, code, retryable] of cases) {
      expect({ code: error.code, retryable: error.retryable }, error.name).toEqual({ code, retryable });
    }
  });

  it('never make an answer that says "error" ambiguous: the request was not acted on', () => {
    const maybe = { ...init, ambiguous: true };
    for (const error of [
      new Chat2DeskAuthError('m', maybe),
      new Chat2DeskRateLimitedError('m', maybe),
      new Chat2DeskQuotaExhaustedError('m', maybe),
      new Chat2DeskNotFoundError('m', maybe),
      new Chat2DeskValidationError('m', maybe),
      new Chat2DeskClientCreationDisabledError('m', maybe),
    ]) {
      expect(error.ambiguous, error.name).toBe(false);
      expect(error.details['ambiguous'], error.name).toBe(false);
    }
  });

  it('keep ambiguity for a server error, a time-out or a network failure as the caller tells it', () => {
    for (const ambiguous of [true, false]) {
      expect(new Chat2DeskServerError('m', { ...init, ambiguous }).ambiguous).toBe(ambiguous);
      expect(new Chat2DeskTimeoutError('m', { ...init, ambiguous }).ambiguous).toBe(ambiguous);
      expect(new Chat2DeskNetworkError('m', { ...init, ambiguous }).ambiguous).toBe(ambiguous);
    }
  });

  it('make a refused client creation a kind of validation error', () => {
    const error = new Chat2DeskClientCreationDisabledError('m', {
      endpoint: 'POST /v1/clients',
      httpStatus: 403,
    });
    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect(error.name).toBe('Chat2DeskClientCreationDisabledError');
  });
});
