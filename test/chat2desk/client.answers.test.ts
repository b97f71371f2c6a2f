import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import {
  Chat2DeskAuthError,
  Chat2DeskError,
  Chat2DeskNetworkError,
  Chat2DeskNotFoundError,
  Chat2DeskQuotaExhaustedError,
  Chat2DeskRateLimitedError,
  Chat2DeskServerError,
  Chat2DeskTimeoutError,
  Chat2DeskValidationError,
} from '../../src/chat2desk/errors.js';
import { ConfigError } from '../../src/errors.js';
import { type CannedAnswerServer, type RawRequest, startCannedAnswerServer } from '../support/sandboxApi.js';

// Answers the sandbox cannot give (it speaks the API): a throwaway raw server answers whatever the
// test sets, so the client's reading of odd answers is checked over real HTTP.
let server: CannedAnswerServer;
let baseUrl: string;
let seen: RawRequest[];

function answerWith(status: number, body: unknown, contentType = 'application/json'): void {
  server.answerWith(status, body, contentType);
}

beforeAll(async () => {
  server = await startCannedAnswerServer();
  ({ baseUrl, seen } = server);
});

afterAll(() => server.close());

async function failureOf(call: (client: Chat2DeskClient) => Promise<unknown>): Promise<Chat2DeskError> {
  const client = new Chat2DeskClient({ baseUrl, token: 'raw-token', timeoutMs: 5_000 });
  try {
    await call(client);
  } catch (err) {
    if (err instanceof Chat2DeskError) return err;
    throw err;
  } finally {
    await client.close();
  }
  throw new Error('expected the call to fail');
}

describe('Chat2DeskClient reading answers', () => {
  it('treats a 502 with an HTML body as a server error, ambiguous for a send', async () => {
    answerWith(502, '<html><body>Bad Gateway</body></html>', 'text/html');
    const err = await failureOf((c) => c.sendMessage({ clientId: 1, text: 'hi' }));
    expect(err).toBeInstanceOf(Chat2DeskServerError);
    expect(err.httpStatus).toBe(502);
    expect(err.endpoint).toBe('POST /v1/messages');
    expect(err.retryable).toBe(true);
    expect(err.ambiguous).toBe(true);
  });

  it('treats a 502 on a read as a server error that is not ambiguous', async () => {
    answerWith(502, 'Bad Gateway', 'text/plain');
    const err = await failureOf((c) => c.getApiInfo());
    expect(err).toBeInstanceOf(Chat2DeskServerError);
    expect(err.ambiguous).toBe(false);
  });

  it('treats a 200 whose body is not JSON as a server error', async () => {
    answerWith(200, 'OK', 'text/plain');
    const err = await failureOf((c) => c.sendMessage({ clientId: 1, text: 'hi' }));
    expect(err).toBeInstanceOf(Chat2DeskServerError);
    expect(err.ambiguous).toBe(true);
  });

  it('reads the quota text first, whatever the HTTP status', async () => {
    for (const status of [403, 429, 200]) {
      answerWith(status, { status: 'error', message: 'API calls exceeded API limit per month' });
      const err = await failureOf((c) => c.sendMessage({ clientId: 1, text: 'hi' }));
      expect(err).toBeInstanceOf(Chat2DeskQuotaExhaustedError);
      expect(err.retryable).toBe(false);
      expect(err.ambiguous).toBe(false);
      expect(err.apiMessage).toBe('API calls exceeded API limit per month');
    }
  });

  it('classifies old-style error answers sent with HTTP 200 by their text', async () => {
    answerWith(200, { status: 'error', message: 'You need to auth' });
    expect(await failureOf((c) => c.getApiInfo())).toBeInstanceOf(Chat2DeskAuthError);
    answerWith(200, { status: 'error', message: 'Number of API requests exceeded' });
    expect(await failureOf((c) => c.getApiInfo())).toBeInstanceOf(Chat2DeskRateLimitedError);
    answerWith(200, { status: 'error', message: 'Page not found' });
    expect(await failureOf((c) => c.getApiInfo())).toBeInstanceOf(Chat2DeskNotFoundError);
    answerWith(200, { status: 'error', message: 'Client is blocked', errors: { client_id: ['blocked'] } });
    const refused = await failureOf((c) => c.sendMessage({ clientId: 1, text: 'hi' }));
    expect(refused).toBeInstanceOf(Chat2DeskValidationError);
    expect(refused.ambiguous).toBe(false);
    expect(refused.details['apiErrors']).toEqual({ client_id: ['blocked'] });
  });

  it('classifies by HTTP status when the body says nothing useful', async () => {
    const cases: [number, new (...args: never[]) => Chat2DeskError][] = [
      [401, Chat2DeskAuthError],
      // 403 is also what the account may not do: only 401 or "You need to auth" is a bad token.
      [403, Chat2DeskValidationError],
      [404, Chat2DeskNotFoundError],
      [429, Chat2DeskRateLimitedError],
      [400, Chat2DeskValidationError],
      [422, Chat2DeskValidationError],
      [409, Chat2DeskValidationError],
      [500, Chat2DeskServerError],
      [503, Chat2DeskServerError],
    ];
    for (const [status, errorClass] of cases) {
      answerWith(status, { status: 'error' });
      const err = await failureOf((c) => c.getClient(5));
      expect(err, `HTTP ${status}`).toBeInstanceOf(errorClass);
      expect(err.httpStatus).toBe(status);
      expect(err.endpoint).toBe('GET /v1/clients/:id');
    }
  });

  it('takes an answer without meta as a single whole page', async () => {
    answerWith(200, { status: 'success', data: [{ id: 1, name: 'Russia' }] });
    const client = new Chat2DeskClient({ baseUrl, token: 'raw-token' });
    const countries = await client.listCountries();
    await client.close();
    expect(countries).toEqual({ data: [{ id: 1, name: 'Russia' }], meta: { total: 1, limit: 1, offset: 0 } });
  });

  it('refuses a list answer whose data is not a list', async () => {
    answerWith(200, { status: 'success', data: { id: 1 } });
    expect(await failureOf((c) => c.listClients())).toBeInstanceOf(Chat2DeskServerError);
  });

  it('sends the raw token, JSON bodies and snake_case parameters', async () => {
    answerWith(200, { status: 'success', data: { id: 3 } });
    seen.length = 0;
    const client = new Chat2DeskClient({ baseUrl: `${baseUrl}/prefix/`, token: 'raw-token' });
    await client.updateClient(3, { nickname: null, extraComment2: 'vip' });
    answerWith(200, { status: 'success', data: [], meta: { total: 0, limit: 20, offset: 0 } });
    await client.listMessages({ clientId: 3, read: false, startDate: new Date('2026-03-05T23:00:00Z') });
    await client.close();
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/prefix/v1/clients/3' });
    expect(seen[0]?.headers['authorization']).toBe('raw-token');
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ nickname: null, extra_comment_2: 'vip' });
    expect(seen[1]?.url).toBe('/prefix/v1/messages?client_id=3&read=false&start_date=05-03-2026');
  });

  it('fails without sending when the port is closed: network error, not ambiguous', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const client = new Chat2DeskClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'raw-token' });
    const err = await client.sendMessage({ clientId: 1, text: 'hi' }).catch((e: unknown) => e);
    await client.close();
    expect(err).toBeInstanceOf(Chat2DeskNetworkError);
    expect((err as Chat2DeskNetworkError).ambiguous).toBe(false);
    expect((err as Chat2DeskNetworkError).retryable).toBe(true);
    expect(client.requestCount).toBe(0);
  });

  it('times out before sending when the connection never completes: not ambiguous, not counted', async () => {
    // A TCP server that never speaks TLS: an https connection to it never gets to send the request.
    const held = new Set<Socket>();
    const silent = createTcpServer((socket) => void held.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    const client = new Chat2DeskClient({
      baseUrl: `https://127.0.0.1:${port}`,
      token: 'raw-token',
      timeoutMs: 200,
    });
    try {
      const err = await client.sendMessage({ clientId: 1, text: 'hi' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Chat2DeskTimeoutError);
      expect((err as Chat2DeskTimeoutError).ambiguous).toBe(false);
      expect((err as Chat2DeskTimeoutError).retryable).toBe(true);
      expect(client.requestCount).toBe(0);
    } finally {
      await client.close();
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('fails without sending once closed', async () => {
    const client = new Chat2DeskClient({ baseUrl, token: 'raw-token' });
    await client.close();
    const err = await client.getApiInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Chat2DeskNetworkError);
    expect((err as Chat2DeskNetworkError).ambiguous).toBe(false);
  });

  it('refuses a token that could not be a header value, without quoting it', () => {
    expect(() => new Chat2DeskClient({ baseUrl, token: 'abc\r\nX-Evil: 1' })).toThrow(ConfigError);
    expect(() => new Chat2DeskClient({ baseUrl, token: '' })).toThrow(/empty/);
  });
});
