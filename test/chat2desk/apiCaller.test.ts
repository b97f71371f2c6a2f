import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiCaller, type Chat2DeskClientOptions } from '../../src/chat2desk/apiCaller.js';
import { Chat2DeskServerError, Chat2DeskValidationError } from '../../src/chat2desk/errors.js';
import { ConfigError } from '../../src/errors.js';
import {
  type CannedAnswerServer,
  type RawRequest,
  recordingLogger,
  startCannedAnswerServer,
} from '../support/sandboxApi.js';

// A real HTTP server answering whatever the test sets, recording each request as it arrived.
let server: CannedAnswerServer;
let baseUrl: string;
let seen: RawRequest[];
const callers: ApiCaller[] = [];

beforeAll(async () => {
  server = await startCannedAnswerServer();
  ({ baseUrl, seen } = server);
});
beforeEach(() => {
  seen.length = 0;
  answerWith(200, { status: 'success', data: null });
});
afterAll(async () => {
  await Promise.all(callers.map((caller) => caller.close()));
  await server.close();
});

function answerWith(status: number, body: unknown): void {
  server.answerWith(status, body);
}

function caller(options: Partial<Chat2DeskClientOptions> = {}): ApiCaller {
  const created = new ApiCaller({ baseUrl, token: 'caller-token-3f9a', timeoutMs: 5_000, ...options });
  callers.push(created);
  return created;
}

describe('ApiCaller: the request', () => {
  it('refuses an empty token or one with a line break, naming the variable and not quoting it', () => {
    for (const token of ['', 'abc\r\nX-Evil: 1', 'abc\0def']) {
      let error: unknown;
      try {
        new ApiCaller({ baseUrl, token });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('CHAT2DESK_TOKEN');
      if (token !== '') expect((error as ConfigError).message).not.toContain(token);
    }
  });

  it('sends the raw token, asks for JSON, and keeps the base URL’s path without its trailing slashes', async () => {
    const api = caller({ baseUrl: `${baseUrl}/proxy/chat2desk//` });

    await api.data({
      method: 'GET',
      template: '/v1/clients/:id',
      id: 7,
      query: { phone: '7916', skip: undefined },
    });

    expect(seen[0]).toMatchObject({
      method: 'GET',
      url: '/proxy/chat2desk/v1/clients/7?phone=7916',
      body: '',
    });
    expect(seen[0]!.headers).toMatchObject({
      authorization: 'caller-token-3f9a',
      accept: 'application/json',
    });
    expect(seen[0]!.headers['content-type']).toBeUndefined();
  });

  it('sends a body as JSON, with its content type', async () => {
    await caller().data({ method: 'PUT', template: '/v1/dialogs/:id', id: 3, body: { state: 'closed' } });

    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/v1/dialogs/3', body: '{"state":"closed"}' });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('allows a whole request twice the time-out: connecting, then waiting for the answer', () => {
    expect(caller({ timeoutMs: 700 }).longestRequestMs).toBe(1_400);
    const byDefault = new ApiCaller({ baseUrl, token: 'caller-token-3f9a' });
    callers.push(byDefault);
    expect(byDefault.longestRequestMs).toBe(30_000);
  });
});

describe('ApiCaller: the answer', () => {
  it('gives back a list answer with the service’s own paging', async () => {
    answerWith(200, { status: 'success', data: [{ id: 1 }], meta: { total: 40, limit: 1, offset: 5 } });

    expect(await caller().list({ method: 'GET', template: '/v1/regions' })).toEqual({
      data: [{ id: 1 }],
      meta: { total: 40, limit: 1, offset: 5 },
    });
  });

  it('refuses list data that is not a list as a server error naming the endpoint, not ambiguous', async () => {
    answerWith(200, { status: 'success', data: { id: 1 } });
    const api = caller();

    for (const call of [
      () => api.list({ method: 'GET', template: '/v1/regions' }),
      () => api.array({ method: 'GET', template: '/v1/help/roles' }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Chat2DeskServerError);
      expect(error).toMatchObject({ httpStatus: 200, ambiguous: false });
      expect((error as Chat2DeskServerError).message).toMatch(
        /^Chat2Desk GET \/v1\/(regions|help\/roles): expected a list in "data"$/,
      );
    }
  });

  it('keeps the token out of an error message that echoes it', async () => {
    answerWith(400, { status: 'error', message: 'token caller-token-3f9a is not valid here' });

    const error = await caller()
      .data({ method: 'POST', template: '/v1/messages', body: {} })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect((error as Chat2DeskValidationError).apiMessage).toBe('token [redacted] is not valid here');
    expect(JSON.stringify(error)).not.toContain('caller-token-3f9a');
  });

  it('leaves a token too short to be real alone, rather than mangle the text it occurs in', async () => {
    answerWith(400, { status: 'error', message: 'the phone is invalid' });

    const error = await caller({ token: 'e' })
      .data({ method: 'POST', template: '/v1/messages', body: {} })
      .catch((e: unknown) => e);

    expect((error as Chat2DeskValidationError).apiMessage).toBe('the phone is invalid');
  });
});

describe('ApiCaller: counting and reporting', () => {
  it('counts requests by endpoint template, whatever the id, failed ones too', async () => {
    const api = caller();
    await api.data({ method: 'GET', template: '/v1/clients/:id', id: 1 });
    await api.data({ method: 'GET', template: '/v1/clients/:id', id: 2 });
    answerWith(404, { status: 'error', message: 'Client not found' });
    await api.data({ method: 'POST', template: '/v1/messages', body: {} }).catch(() => undefined);

    expect(api.requestCount).toBe(3);
    expect(api.requestCounts()).toEqual({ 'GET /v1/clients/:id': 2, 'POST /v1/messages': 1 });
  });

  it('tells the observer each request’s endpoint and outcome: ok, or the error code without its prefix', async () => {
    const done: { endpoint: string; outcome: string; durationMs: number }[] = [];
    const api = caller({
      onRequestDone: (endpoint, outcome, durationMs) => done.push({ endpoint, outcome, durationMs }),
    });

    await api.data({ method: 'GET', template: '/v1/companies/api_info' });
    answerWith(404, { status: 'error', message: 'Client not found' });
    await api.data({ method: 'GET', template: '/v1/clients/:id', id: 9 }).catch(() => undefined);
    answerWith(429, { status: 'error', message: 'Number of api requests exceeded' });
    await api.data({ method: 'POST', template: '/v1/messages', body: {} }).catch(() => undefined);

    expect(done.map(({ endpoint, outcome }) => `${endpoint} ${outcome}`)).toEqual([
      'GET /v1/companies/api_info ok',
      'GET /v1/clients/:id not_found',
      'POST /v1/messages rate_limited',
    ]);
    for (const { durationMs } of done) expect(durationMs).toBeGreaterThanOrEqual(0);
  });

  it('still gives the answer when the observer throws, and logs a warning', async () => {
    const { logger, lines } = recordingLogger();
    answerWith(200, { status: 'success', data: { id: 4 } });
    const api = caller({
      logger,
      onRequestDone: () => {
        throw new Error('metrics registry closed');
      },
    });

    expect(await api.data({ method: 'GET', template: '/v1/clients/:id', id: 4 })).toEqual({ id: 4 });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        endpoint: 'GET /v1/clients/:id',
        msg: 'chat2desk request observer failed',
      }),
    );
  });

  it('logs each request at debug with its endpoint and status, and a failure with its error code', async () => {
    const { logger, lines } = recordingLogger();
    const api = caller({ logger });

    await api.data({ method: 'GET', template: '/v1/help/roles' });
    answerWith(404, { status: 'error', message: 'Not found' });
    await api.data({ method: 'GET', template: '/v1/dialogs/:id', id: 1 }).catch(() => undefined);

    expect(lines).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'chat2desk request',
        endpoint: 'GET /v1/help/roles',
        httpStatus: 200,
      }),
      expect.objectContaining({
        level: 20,
        msg: 'chat2desk request failed',
        endpoint: 'GET /v1/dialogs/:id',
        code: 'chat2desk_not_found',
        httpStatus: 404,
        retryable: false,
        ambiguous: false,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('caller-token-3f9a');
  });
});
