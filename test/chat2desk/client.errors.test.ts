import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import { type Sandbox, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { createLogger } from '../../src/logger.js';
import { startSandboxClient } from '../support/sandboxApi.js';

let sb: Sandbox;
let client: Chat2DeskClient;
let closeSandboxClient: () => Promise<void>;
let smsClientId: number;

beforeAll(async () => {
  ({
    sandbox: sb,
    client,
    close: closeSandboxClient,
  } = await startSandboxClient({ token: 'good-token-5d2e8a' }));
  smsClientId = (await client.createClient({ phone: '79110002233', transport: 'sms' })).id;
});

afterEach(() => {
  sb.setFaults({});
  sb.setOptions({ requestsPerSecond: 0, legacyErrorsWithHttp200: false });
});

afterAll(() => closeSandboxClient());

async function failureOf(promise: Promise<unknown>): Promise<Chat2DeskError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail'),
    (err: unknown) => err,
  );
  if (outcome instanceof Chat2DeskError) return outcome;
  throw outcome;
}

const send = (c: Chat2DeskClient = client) =>
  c.sendMessage({ clientId: smsClientId, text: 'Your visit is at 10:00' });

describe('Chat2DeskClient errors: the token stays secret', () => {
  const BAD_TOKEN = 'wrong-token-9c41f07e2b';

  function capturedLogger() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    return { logger: createLogger('trace', stream), lines };
  }

  function expectNoToken(err: Chat2DeskError, logLines: string[]): void {
    const views = [
      String(err),
      err.message,
      err.stack ?? '',
      JSON.stringify(err),
      JSON.stringify(err.details),
      inspect(err, { depth: null, showHidden: true }),
      inspect(err.cause, { depth: null, showHidden: true }),
      logLines.join('\n'),
    ];
    for (const view of views) expect(view).not.toContain(BAD_TOKEN);
  }

  it('answers a wrong token with an auth error that does not carry the token', async () => {
    const { logger, lines } = capturedLogger();
    const wrong = new Chat2DeskClient({ baseUrl: sb.url, token: BAD_TOKEN, logger });
    try {
      const err = await failureOf(wrong.getApiInfo());
      expect(err).toBeInstanceOf(Chat2DeskAuthError);
      expect(err).toMatchObject({
        httpStatus: 401,
        apiMessage: 'You need to auth',
        retryable: false,
        ambiguous: false,
      });
      expect(err.code).toBe('chat2desk_auth');
      logger.error({ err }, 'could not reach Chat2Desk');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expectNoToken(err, lines);
    } finally {
      await wrong.close();
    }
  });

  it('keeps the token out of network and time-out errors and their causes', async () => {
    const { logger, lines } = capturedLogger();
    const wrong = new Chat2DeskClient({ baseUrl: sb.url, token: BAD_TOKEN, logger, timeoutMs: 300 });
    try {
      sb.setFaults({ dropConnectionRate: 1 });
      const dropped = await failureOf(send(wrong));
      expect(dropped).toBeInstanceOf(Chat2DeskNetworkError);
      expect(dropped.cause).toBeInstanceOf(Error);
      sb.setFaults({ hangRate: 1 });
      const hung = await failureOf(send(wrong));
      expect(hung).toBeInstanceOf(Chat2DeskTimeoutError);
      sb.setFaults({ serverErrorRate: 1 });
      const failed = await failureOf(send(wrong));
      expect(failed).toBeInstanceOf(Chat2DeskServerError);
      for (const err of [dropped, hung, failed]) logger.warn({ err }, 'send failed');
      for (const err of [dropped, hung, failed]) expectNoToken(err, lines);
    } finally {
      await wrong.close();
    }
  });
});

describe('Chat2DeskClient errors: refusals (certainly not acted on)', () => {
  it('maps a 429 to a retryable, unambiguous rate-limit error, and nothing is sent', async () => {
    const before = sb.state.messages.length;
    sb.setFaults({ rateLimitRate: 1 });
    const err = await failureOf(send());
    expect(err).toBeInstanceOf(Chat2DeskRateLimitedError);
    expect(err).toMatchObject({
      httpStatus: 429,
      retryable: true,
      ambiguous: false,
      endpoint: 'POST /v1/messages',
      apiMessage: 'Number of API requests exceeded',
    });
    expect(sb.state.messages.length).toBe(before);
  });

  it('meets the rate limit of the account when requests come too fast', async () => {
    sb.setOptions({ requestsPerSecond: 2 });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => client.getApiInfo()));
    const limited = outcomes.filter(
      (o) => o.status === 'rejected' && o.reason instanceof Chat2DeskRateLimitedError,
    );
    expect(limited.length).toBeGreaterThanOrEqual(1);
  });

  it('maps a validation failure to a non-retryable, unambiguous error with the API message', async () => {
    const err = await failureOf(client.sendMessage({ clientId: smsClientId }));
    expect(err).toBeInstanceOf(Chat2DeskValidationError);
    expect(err).toMatchObject({ httpStatus: 400, retryable: false, ambiguous: false });
    expect(err.apiMessage).toMatch(/text/);
    expect(err.details).toMatchObject({ endpoint: 'POST /v1/messages', httpStatus: 400 });
  });

  it('maps an unknown path to not found', async () => {
    const err = await failureOf(client.getMessage(99_999_999));
    expect(err).toBeInstanceOf(Chat2DeskNotFoundError);
    expect(err.endpoint).toBe('GET /v1/messages/:id');
  });
});

describe('Chat2DeskClient errors: the monthly quota', () => {
  let limited: Sandbox;

  beforeAll(async () => {
    limited = await startSandbox({ port: 0, token: 'quota-token-1a2b3c', monthlyQuota: 2 });
  });

  afterAll(async () => {
    await limited.close();
  });

  it('says the quota is exhausted (not an auth error) once it is spent, with 403 or old-style 200', async () => {
    const c = new Chat2DeskClient({ baseUrl: limited.url, token: limited.token });
    try {
      await c.getApiInfo();
      await c.getApiInfo();
      const err = await failureOf(c.sendMessage({ clientId: 1, text: 'x' }));
      expect(err).toBeInstanceOf(Chat2DeskQuotaExhaustedError);
      expect(err).toMatchObject({ httpStatus: 403, retryable: false, ambiguous: false });
      expect(err.code).toBe('chat2desk_quota_exhausted');
      limited.setOptions({ legacyErrorsWithHttp200: true });
      const legacy = await failureOf(c.getApiInfo());
      expect(legacy).toBeInstanceOf(Chat2DeskQuotaExhaustedError);
      expect(legacy.httpStatus).toBe(200);
    } finally {
      await c.close();
    }
  });
});

describe('Chat2DeskClient errors: old versions answering errors with HTTP 200', () => {
  it('still raises typed errors from the status field', async () => {
    sb.setOptions({ legacyErrorsWithHttp200: true });
    const wrong = new Chat2DeskClient({ baseUrl: sb.url, token: 'another-wrong-token' });
    try {
      const auth = await failureOf(wrong.getApiInfo());
      expect(auth).toBeInstanceOf(Chat2DeskAuthError);
      expect(auth.httpStatus).toBe(200);
    } finally {
      await wrong.close();
    }
    const missing = await failureOf(client.getClient(987_654));
    expect(missing).toBeInstanceOf(Chat2DeskNotFoundError);
    expect(missing.httpStatus).toBe(200);
    const invalid = await failureOf(client.sendMessage({ clientId: smsClientId }));
    expect(invalid).toBeInstanceOf(Chat2DeskValidationError);
    expect(invalid.ambiguous).toBe(false);
    sb.setOptions({ requestsPerSecond: 1 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map(() => client.getApiInfo()));
    expect(
      outcomes.some((o) => o.status === 'rejected' && o.reason instanceof Chat2DeskRateLimitedError),
    ).toBe(true);
  });
});

describe('Chat2DeskClient errors: failures after sending (maybe acted on)', () => {
  it('maps a 5xx to a retryable server error, ambiguous for a send, not for a read', async () => {
    sb.setFaults({ serverErrorRate: 1 });
    const onSend = await failureOf(send());
    expect(onSend).toBeInstanceOf(Chat2DeskServerError);
    expect(onSend.httpStatus).toBeGreaterThanOrEqual(500);
    expect(onSend).toMatchObject({ retryable: true, ambiguous: true });
    const onRead = await failureOf(client.getClient(smsClientId));
    expect(onRead).toBeInstanceOf(Chat2DeskServerError);
    expect(onRead.ambiguous).toBe(false);
  });

  it('maps a dropped connection to a network error, ambiguous for a send', async () => {
    sb.setFaults({ dropConnectionRate: 1 });
    const onSend = await failureOf(send());
    expect(onSend).toBeInstanceOf(Chat2DeskNetworkError);
    expect(onSend).toMatchObject({ retryable: true, ambiguous: true, endpoint: 'POST /v1/messages' });
    expect(onSend.httpStatus).toBeUndefined();
    const onRead = await failureOf(client.listMessages({ clientId: smsClientId }));
    expect(onRead).toBeInstanceOf(Chat2DeskNetworkError);
    expect(onRead.ambiguous).toBe(false);
  });

  it('maps accept-then-drop to an ambiguous network error — and the message did go out', async () => {
    const before = sb.state.messagesTo(smsClientId).length;
    sb.setFaults({ acceptThenDropRate: 1 });
    const err = await failureOf(send());
    expect(err).toBeInstanceOf(Chat2DeskNetworkError);
    expect(err.ambiguous).toBe(true);
    expect(sb.state.messagesTo(smsClientId).length).toBe(before + 1);
  });

  it('times out on a hanging request: ambiguous for a send, not for a read', async () => {
    const impatient = new Chat2DeskClient({ baseUrl: sb.url, token: sb.token, timeoutMs: 200 });
    try {
      sb.setFaults({ hangRate: 1 });
      const onSend = await failureOf(send(impatient));
      expect(onSend).toBeInstanceOf(Chat2DeskTimeoutError);
      expect(onSend).toMatchObject({ retryable: true, ambiguous: true, code: 'chat2desk_timeout' });
      const onRead = await failureOf(impatient.getApiInfo());
      expect(onRead).toBeInstanceOf(Chat2DeskTimeoutError);
      expect(onRead.ambiguous).toBe(false);
      sb.setFaults({});
      // The pool recovers: the next request goes through on a fresh connection.
      expect((await impatient.getApiInfo()).mode).toBe('unlimited');
      expect(impatient.requestCounts()).toEqual({ 'POST /v1/messages': 1, 'GET /v1/companies/api_info': 2 });
    } finally {
      await impatient.close();
    }
  });

  it('counts failed attempts that were sent', async () => {
    const counted = new Chat2DeskClient({ baseUrl: sb.url, token: sb.token });
    try {
      sb.setFaults({ dropConnectionRate: 1 });
      await failureOf(send(counted));
      sb.setFaults({ serverErrorRate: 1 });
      await failureOf(send(counted));
      sb.setFaults({});
      await send(counted);
      expect(counted.requestCount).toBe(3);
      expect(counted.requestCounts()).toEqual({ 'POST /v1/messages': 3 });
    } finally {
      await counted.close();
    }
  });
});
