import { describe, expect, it } from 'vitest';
import { readAnswer } from '../../src/chat2desk/answer.js';
import {
  Chat2DeskAuthError,
  Chat2DeskClientCreationDisabledError,
  type Chat2DeskError,
  Chat2DeskNotFoundError,
  Chat2DeskQuotaExhaustedError,
  Chat2DeskRateLimitedError,
  Chat2DeskServerError,
  Chat2DeskValidationError,
} from '../../src/chat2desk/errors.js';

const SEND = 'POST /v1/messages';
const redact = (text: string) => text.replaceAll('secret-token', '[token]');
const json = (value: unknown) => JSON.stringify(value);

function refusal(endpoint: string, statusCode: number, body: string, acts = true): Chat2DeskError {
  try {
    readAnswer(endpoint, acts, { statusCode, body }, redact);
  } catch (error) {
    return error as Chat2DeskError;
  }
  throw new Error(`expected HTTP ${statusCode} ${body} to be an error`);
}

describe('readAnswer', () => {
  it('returns the data and the list meta of a successful answer', () => {
    const body = json({ status: 'success', data: [{ id: 1 }], meta: { total: 41, limit: 20, offset: '20' } });
    expect(readAnswer('GET /v1/clients', false, { statusCode: 200, body }, redact)).toEqual({
      data: [{ id: 1 }],
      meta: { total: 41, limit: 20, offset: 20 },
    });
  });

  it('takes absent data as null, and meta that is not numbers as no meta', () => {
    expect(readAnswer(SEND, true, { statusCode: 200, body: json({ status: 'success' }) }, redact)).toEqual({
      data: null,
      meta: undefined,
    });
    const body = json({ data: {}, meta: { total: 'many', limit: 20, offset: 0 } });
    expect(readAnswer('GET /v1/clients', false, { statusCode: 200, body }, redact).meta).toBeUndefined();
  });

  it('words the error with the endpoint, the status and the API message, redacted', () => {
    const error = refusal(
      SEND,
      400,
      json({ status: 'error', message: 'bad text for secret-token', errors: { x: 1 } }),
    );
    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect(error.message).toBe('Chat2Desk POST /v1/messages: HTTP 400: bad text for [token]');
    expect(error.details).toMatchObject({
      httpStatus: 400,
      apiMessage: 'bad text for [token]',
      apiErrors: { x: 1 },
    });
    expect(error.ambiguous).toBe(false);
  });

  it('says when an answer is not JSON, and takes it for a server error, ambiguous only for a call that acts', () => {
    const send = refusal(SEND, 502, '<html>Bad gateway</html>');
    expect(send).toBeInstanceOf(Chat2DeskServerError);
    expect(send.message).toBe('Chat2Desk POST /v1/messages: HTTP 502: answer is not JSON');
    expect(send).toMatchObject({ retryable: true, ambiguous: true });
    expect(refusal('GET /v1/clients', 200, 'not json', false)).toMatchObject({
      code: 'chat2desk_server_error',
      ambiguous: false,
    });
    expect(refusal('GET /v1/clients', 200, json([1, 2]), false)).toBeInstanceOf(Chat2DeskServerError);
  });

  it('treats status "error" in a 200 answer as a refusal, not acted on', () => {
    const error = refusal(SEND, 200, json({ status: 'error', message: 'Wrong transport' }));
    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect(error.message).toBe('Chat2Desk POST /v1/messages: HTTP 200 with status "error": Wrong transport');
    expect(error.ambiguous).toBe(false);
    expect(
      refusal('GET /v1/clients/:id', 200, json({ status: 'error', message: 'Client not found' })),
    ).toBeInstanceOf(Chat2DeskNotFoundError);
  });

  it('recognises a spent monthly quota by its text, whatever the status', () => {
    for (const status of [200, 403, 429]) {
      const error = refusal(
        SEND,
        status,
        json({ status: 'error', message: 'API calls exceeded API limit per month' }),
      );
      expect(error, String(status)).toBeInstanceOf(Chat2DeskQuotaExhaustedError);
      expect(error.retryable).toBe(false);
    }
  });

  it('takes a 401 or "You need to auth" for a bad token, but not a 403 alone', () => {
    expect(refusal(SEND, 401, json({ status: 'error' }))).toBeInstanceOf(Chat2DeskAuthError);
    expect(refusal(SEND, 200, json({ status: 'error', message: 'You need to auth' }))).toBeInstanceOf(
      Chat2DeskAuthError,
    );
    expect(refusal(SEND, 403, json({ status: 'error', message: 'Forbidden' }))).toBeInstanceOf(
      Chat2DeskValidationError,
    );
  });

  it('takes a 429 or its text for the rate limit, retryable', () => {
    expect(refusal(SEND, 429, json({ status: 'error' }))).toMatchObject({
      code: 'chat2desk_rate_limited',
      retryable: true,
      ambiguous: false,
    });
    expect(
      refusal(SEND, 200, json({ status: 'error', message: 'Number of API requests exceeded' })),
    ).toBeInstanceOf(Chat2DeskRateLimitedError);
  });

  it('takes a refused client creation for creation switched off, by its words or a 403', () => {
    const create = 'POST /v1/clients';
    expect(refusal(create, 403, json({ status: 'error', message: 'Forbidden' }))).toBeInstanceOf(
      Chat2DeskClientCreationDisabledError,
    );
    expect(
      refusal(
        create,
        400,
        json({ status: 'error', message: 'Client creation is disabled for this company' }),
      ),
    ).toBeInstanceOf(Chat2DeskClientCreationDisabledError);
    expect(
      refusal(create, 400, json({ status: 'error', message: 'Создание клиентов отключено' })),
    ).toBeInstanceOf(Chat2DeskClientCreationDisabledError);
    expect(refusal(create, 400, json({ status: 'error', message: 'Phone is invalid' }))).toBeInstanceOf(
      Chat2DeskValidationError,
    );
    expect(refusal(create, 400, json({ status: 'error', message: 'Phone is invalid' }))).not.toBeInstanceOf(
      Chat2DeskClientCreationDisabledError,
    );
  });

  it('takes a 404 for not found and other 4xx for a refusal', () => {
    expect(refusal('GET /v1/clients/:id', 404, json({ status: 'error' }))).toBeInstanceOf(
      Chat2DeskNotFoundError,
    );
    expect(refusal(SEND, 422, json({ status: 'error' }))).toMatchObject({ code: 'chat2desk_validation' });
  });

  it('takes a 5xx with a JSON body for a server error', () => {
    expect(refusal(SEND, 503, json({ status: 'error', message: 'maintenance' }))).toMatchObject({
      code: 'chat2desk_server_error',
      message: 'Chat2Desk POST /v1/messages: HTTP 503: maintenance',
      retryable: true,
      ambiguous: true,
    });
  });
});
