import { createHash, createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { buildHttpServer } from '../../src/http/server.js';
import { verifyWebhookSignature, webhookSignature } from '../../src/http/webhookSignature.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { loadCorpus } from './corpus.js';

interface Expected {
  status: number;
  code?: string;
  messageIncludes?: string;
  /** webhook_events rows the call leaves behind. */
  stored: number;
}

const TOKEN = 'c2d-token-hostile-7781';
const secret = '0123456789abcdef0123456789abcdef0123456789abcdef';
const clock = new ManualClock('2026-11-27T08:00:00Z');
const unixNow = () => String(Math.floor(clock.now().getTime() / 1000));

describe('hostile web hook deliveries', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let baseUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = buildHttpServer({
      sql: db.sql,
      clock,
      logger: silentLogger,
      webhookSecret: secret,
      chat2deskToken: TOKEN,
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate webhook_events`;
  });

  async function post(body: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${baseUrl}/webhooks/chat2desk/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as { error?: { code: string; message: string } } };
  }

  async function storedEvents(): Promise<number> {
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from webhook_events`;
    return row?.n ?? -1;
  }

  async function healthy(): Promise<void> {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
  }

  const cases = loadCorpus<Expected>('webhooks', ['.json']);

  it.each(cases)('answers $file as the corpus expects and stays up', async ({ text, expected }) => {
    const answer = await post(text);
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: expected.status });
    if (expected.code) expect(answer.body.error?.code).toBe(expected.code);
    if (expected.messageIncludes) expect(answer.body.error?.message).toContain(expected.messageIncludes);
    expect(await storedEvents()).toBe(expected.stored);
    await healthy();
  });

  it('refuses a body over the size limit with 413 and stores nothing', async () => {
    const answer = await post(JSON.stringify({ hook_type: 'inbox', text: 'x'.repeat(2 * 1024 * 1024) }));
    expect(answer.status).toBe(413);
    expect(await storedEvents()).toBe(0);
    await healthy();
  });

  it('stores a large text under the limit exactly as sent', async () => {
    const text = `СТОП ${'я'.repeat(300_000)}`;
    const answer = await post(JSON.stringify({ type: 'from_client', message_id: 77, text }));
    expect(answer.status).toBe(200);
    const [row] = await db.sql<{ text: string }[]>`select payload->>'text' as text from webhook_events`;
    expect(row?.text).toBe(text);
  });

  it('stores a replayed delivery without a message id once', async () => {
    const body = JSON.stringify({ type: 'from_client', text: 'hello', client_id: 5 });
    const first = await post(body);
    const replay = await post(body);
    expect([first.body, replay.body]).toMatchObject([{ duplicate: false }, { duplicate: true }]);
    expect(await storedEvents()).toBe(1);
  });

  describe('X-Signature', () => {
    const body = JSON.stringify({ hook_type: 'inbox', message_id: 4401, type: 'from_client', text: 'hi' });

    it('accepts a delivery signed with the token and a fresh timestamp', async () => {
      const timestamp = unixNow();
      const answer = await post(body, {
        'x-signature': webhookSignature(body, timestamp, TOKEN),
        'x-timestamp': timestamp,
      });
      expect(answer.status).toBe(200);
      expect(await storedEvents()).toBe(1);
    });

    it('refuses a wrong signature with 401 signature_invalid and stores nothing', async () => {
      const timestamp = unixNow();
      const answer = await post(body, {
        'x-signature': webhookSignature(body, timestamp, 'another-token'),
        'x-timestamp': timestamp,
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('signature_invalid');
      expect(await storedEvents()).toBe(0);
    });

    it('refuses a signature of another body (a tampered delivery)', async () => {
      const timestamp = unixNow();
      const answer = await post(body.replace('hi', 'STOP'), {
        'x-signature': webhookSignature(body, timestamp, TOKEN),
        'x-timestamp': timestamp,
      });
      expect(answer.status).toBe(401);
      expect(await storedEvents()).toBe(0);
    });

    it('refuses a signature without its timestamp, and malformed signatures', async () => {
      const attempts: Array<Record<string, string>> = [
        { 'x-signature': webhookSignature(body, unixNow(), TOKEN) },
        { 'x-signature': 'zz', 'x-timestamp': unixNow() },
        { 'x-signature': '', 'x-timestamp': unixNow() },
      ];
      for (const headers of attempts) {
        const answer = await post(body, headers);
        expect(answer.status).toBe(401);
        expect(answer.body.error?.code).toBe('signature_invalid');
      }
      expect(await storedEvents()).toBe(0);
    });

    it('refuses a correctly signed delivery replayed more than 5 minutes later (signature_expired)', async () => {
      const timestamp = String(Math.floor(clock.now().getTime() / 1000) - 301);
      const answer = await post(body, {
        'x-signature': webhookSignature(body, timestamp, TOKEN),
        'x-timestamp': timestamp,
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('signature_expired');
      expect(await storedEvents()).toBe(0);
    });

    it('accepts an unsigned delivery as the legacy v1.08 hook sends it', async () => {
      expect((await post(body)).status).toBe(200);
      expect(await storedEvents()).toBe(1);
    });
  });
});

describe('verifyWebhookSignature', () => {
  const now = new Date('2026-11-27T08:00:00Z');
  const seconds = String(now.getTime() / 1000);

  it('accepts the signature Chat2Desk computes: HMAC-SHA256(body + timestamp) keyed with md5(token) in hex', () => {
    // Computed here from the documented recipe, not with the module's own helper.
    const key = createHash('md5').update('tok').digest('hex');
    const signature = createHmac('sha256', key).update(`{"a":1}${seconds}`).digest('hex');
    expect(verifyWebhookSignature('{"a":1}', seconds, signature, 'tok', now)).toEqual({ ok: true });
    expect(verifyWebhookSignature('{"a":1}', seconds, signature.toUpperCase(), 'tok', now)).toEqual({
      ok: true,
    });
  });

  it('accepts a timestamp up to 5 minutes either side of now and refuses one beyond', () => {
    const at = (offsetSeconds: number) => String(now.getTime() / 1000 + offsetSeconds);
    const check = (timestamp: string) =>
      verifyWebhookSignature('{}', timestamp, webhookSignature('{}', timestamp, 'tok'), 'tok', now);
    expect(check(at(-300))).toEqual({ ok: true });
    expect(check(at(300))).toEqual({ ok: true });
    expect(check(at(-301))).toMatchObject({ ok: false, code: 'signature_expired' });
    expect(check(at(301))).toMatchObject({ ok: false, code: 'signature_expired' });
    expect(check('2026-11-27T07:58:00Z')).toEqual({ ok: true });
    expect(check('yesterday')).toMatchObject({ ok: false, code: 'signature_invalid' });
  });
});
