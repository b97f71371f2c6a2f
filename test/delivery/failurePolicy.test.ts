import { describe, expect, it } from 'vitest';
import {
  Chat2DeskAuthError,
  Chat2DeskClientCreationDisabledError,
  Chat2DeskNetworkError,
  Chat2DeskNotFoundError,
  Chat2DeskQuotaExhaustedError,
  Chat2DeskRateLimitedError,
  Chat2DeskValidationError,
} from '../../src/chat2desk/errors.js';
import { QuotaGuardError } from '../../src/delivery/chat2deskGate.js';
import { failureAction } from '../../src/delivery/failurePolicy.js';

const send = { endpoint: 'POST /v1/messages' };
const withClient = { chat2deskClientId: '42' };
const noClient = { chat2deskClientId: null };

describe('failureAction', () => {
  it('pauses the campaign for the quota (ours or Chat2Desk’s) and for a refused token', () => {
    expect(failureAction(new QuotaGuardError(), withClient, 'admit')).toEqual({
      act: 'pause',
      reason: 'quota_guard',
    });
    const spent = new Chat2DeskQuotaExhaustedError('API calls exceeded API limit per month', send);
    expect(failureAction(spent, withClient, 'send')).toEqual({ act: 'pause', reason: 'quota_guard' });
    const auth = new Chat2DeskAuthError('You need to auth', { ...send, httpStatus: 401 });
    expect(failureAction(auth, withClient, 'send')).toEqual({ act: 'pause', reason: 'chat2desk_auth' });
  });

  it('retries what may succeed later, under its code', () => {
    const limited = new Chat2DeskRateLimitedError('Number of API requests exceeded', {
      ...send,
      httpStatus: 429,
    });
    expect(failureAction(limited, withClient, 'send')).toEqual({
      act: 'retry',
      cause: 'chat2desk_rate_limited',
    });
    const reset = new Chat2DeskNetworkError('socket hang up', { endpoint: 'POST /v1/clients' });
    expect(failureAction(reset, noClient, 'create_client')).toEqual({
      act: 'retry',
      cause: 'chat2desk_network',
    });
  });

  it('forgets a client id Chat2Desk does not know, only when a send was refused for it', () => {
    const stale = new Chat2DeskValidationError('client 42 not found', {
      ...send,
      apiMessage: 'client 42 not found',
    });
    expect(failureAction(stale, withClient, 'send')).toEqual({ act: 'forget_client' });
    const gone = new Chat2DeskNotFoundError('HTTP 404', { ...send, httpStatus: 404 });
    expect(failureAction(gone, withClient, 'send')).toEqual({ act: 'forget_client' });
    expect(failureAction(stale, noClient, 'send')).toMatchObject({ act: 'fail' });
  });

  it('adds the transport to a client refused on it, failing with Chat2Desk’s words when that cannot help', () => {
    const refused = new Chat2DeskValidationError('client 42 is not known on whatsapp', {
      ...send,
      apiMessage: 'client 42 is not known on whatsapp',
    });
    expect(failureAction(refused, withClient, 'send')).toEqual({
      act: 'add_transport',
      otherwise: { act: 'fail', reason: 'chat2desk:client 42 is not known on whatsapp' },
    });
  });

  it('fails any other refusal with Chat2Desk’s words, or its code when it gave none', () => {
    const off = new Chat2DeskClientCreationDisabledError('creation disabled', {
      endpoint: 'POST /v1/clients',
      apiMessage: 'Creating clients is disabled',
    });
    expect(failureAction(off, noClient, 'create_client')).toEqual({
      act: 'fail',
      reason: 'chat2desk:Creating clients is disabled',
    });
    const bare = new Chat2DeskValidationError('HTTP 400', {
      endpoint: 'GET /v1/help/transports',
      httpStatus: 400,
    });
    expect(failureAction(bare, noClient, 'transports_help')).toEqual({
      act: 'fail',
      reason: 'chat2desk:chat2desk_validation',
    });
  });

  it('hands a lost database back to the claim, and anything else is our own fault', () => {
    expect(
      failureAction(Object.assign(new Error('gone'), { code: 'CONNECTION_CLOSED' }), withClient, 'send'),
    ).toEqual({
      act: 'database',
    });
    expect(failureAction(new TypeError('x is undefined'), withClient, 'send')).toEqual({ act: 'internal' });
  });
});
