import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import { type Sandbox, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { loadConfig } from '../../src/config/config.js';
import { type Engine, startEngine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Distinctive enough that any appearance, whole or in part, is a leak and not a coincidence. */
const CHAT2DESK_TOKEN = 'c2dTOKENzq81x7v4kp0w';
const API_TOKEN = 'apiTOKENmm52r9d3hj6n';
const SECRETS = [CHAT2DESK_TOKEN, API_TOKEN];

/** Every log line the engine writes, at trace level, kept in memory. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** The places a secret shows up: whole, or its first half (a truncated echo is still a leak). */
function leaks(text: string): string[] {
  return SECRETS.flatMap((secret) => [secret, secret.slice(0, 10)]).filter((fragment) =>
    text.includes(fragment),
  );
}

describe('the Chat2Desk and API tokens', () => {
  let db: TestDatabase;
  let sandbox: Sandbox;
  let engine: Engine;
  const logs = new LogCapture();
  /** Everything the engine answered over HTTP, one entry per request. */
  const answers: string[] = [];

  async function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${API_TOKEN}`);
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers.set('content-type', 'application/json');
    }
    const response = await fetch(`${engine.httpUrl}${path}`, { ...init, headers, body, redirect: 'manual' });
    const text = await response.clone().text();
    answers.push(
      `${init.method ?? 'GET'} ${path} → ${response.status} ${[...response.headers].join(';')}\n${text}`,
    );
    return response;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({ port: 0, token: CHAT2DESK_TOKEN, whatsappDelayMs: 0 });
    const config = loadConfig({
      DATABASE_URL: db.url,
      CHAT2DESK_API_URL: sandbox.url,
      CHAT2DESK_TOKEN,
      CHAT2DESK_REQUESTS_PER_SECOND: '0',
      WHATSAPP_NEW_CLIENT_DELAY_MS: '0',
      API_TOKEN,
      PORT: '0',
    });
    engine = await startEngine({ config, logger: createLogger('trace', logs) });
  });
  afterAll(async () => {
    await engine?.stop();
    await sandbox?.close();
    await db?.drop();
  });

  it('appear in no log line, API answer, report, dashboard page, metric or error of a whole campaign', async () => {
    const list = await call('/api/v1/lists', { method: 'POST', json: { name: 'leak-check' } });
    expect(list.status).toBe(201);
    const { id: listId } = (await list.json()) as { id: number };
    const contactIds: number[] = [];
    for (const phone of ['+79005550101', '+79005550102', '+79005550103']) {
      const contact = await call('/api/v1/contacts', {
        method: 'POST',
        json: { phone, optIn: { source: 'leak-check' }, name: 'Ann' },
      });
      expect(contact.status).toBe(201);
      contactIds.push(((await contact.json()) as { id: number }).id);
    }
    expect(
      (await call(`/api/v1/lists/${listId}/members`, { method: 'POST', json: { contactIds } })).status,
    ).toBeLessThan(300);

    const at = new Date(Date.now() + 2_000).toISOString();
    const created = await call('/api/v1/campaigns', {
      method: 'POST',
      json: {
        name: 'Leak check',
        kind: 'broadcast',
        transport: 'whatsapp',
        template: 'Hi {{name}}',
        audience: { list: 'leak-check' },
        schedule: { at },
      },
    });
    expect(created.status).toBe(201);
    const { id: campaignId } = (await created.json()) as { id: number };

    // The broadcast runs on the engine's own timers; wait (bounded) until every message went out.
    let sent = 0;
    for (let attempt = 0; attempt < 150 && sent < 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const report = await call(`/api/v1/campaigns/${campaignId}/report`);
      sent = ((await report.json()) as { counts: { sent: number; delivered?: number } }).counts.sent ?? 0;
    }
    expect(sent).toBe(3);

    for (const path of [
      `/api/v1/campaigns/${campaignId}`,
      '/api/v1/campaigns',
      `/api/v1/campaigns/${campaignId}/report.csv`,
      `/api/v1/campaigns/${campaignId}/preview`,
      '/api/v1/campaigns/999999',
      '/api/v1/openapi.json',
      '/metrics',
      '/healthz',
    ]) {
      await call(path);
    }
    await call(`/api/v1/campaigns/${campaignId}/test-send`, {
      method: 'POST',
      json: { phone: 'not a phone' },
    });
    await call('/api/v1/campaigns', { headers: { authorization: `Bearer ${API_TOKEN}x` } });
    await call('/api/v1/campaigns', { headers: { authorization: `Bearer ${CHAT2DESK_TOKEN}` } });

    const login = await call('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: API_TOKEN, next: '/' }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    for (const page of ['/', `/campaigns/${campaignId}`, `/campaigns/${campaignId}/recipients.csv`]) {
      const res = await call(page, { headers: { cookie } });
      expect(res.status, page).toBe(200);
    }

    expect(answers.length).toBeGreaterThan(15);
    // The capture saw the engine at work, and the check would see a token were it there.
    expect(logs.text).toContain('engine started');
    expect(leaks(`Authorization: ${CHAT2DESK_TOKEN.slice(0, 12)}`)).toEqual([CHAT2DESK_TOKEN.slice(0, 10)]);
    expect(leaks(answers.join('\n'))).toEqual([]);
    expect(leaks(logs.text)).toEqual([]);
  });

  it('appear in no error of a failed Chat2Desk call, nor in what it logs', async () => {
    const failures = new LogCapture();
    const logger = createLogger('trace', failures);
    const refused = new Chat2DeskClient({
      baseUrl: sandbox.url.replace(/:\d+/, ':1'),
      token: CHAT2DESK_TOKEN,
      logger,
    });
    const unauthorised = await startSandbox({ port: 0, token: 'another-token' });
    const rejected = new Chat2DeskClient({ baseUrl: unauthorised.url, token: CHAT2DESK_TOKEN, logger });
    try {
      const errors: unknown[] = [];
      for (const client of [refused, rejected]) {
        errors.push(
          await client.getApiInfo().then(
            () => null,
            (error: unknown) => error,
          ),
        );
        errors.push(
          await client.sendMessage({ clientId: 1, text: 'x', transport: 'whatsapp' } as never).then(
            () => null,
            (error: unknown) => error,
          ),
        );
      }
      expect(errors.every((error) => error instanceof Error)).toBe(true);
      const described = errors
        .map((error) => {
          const e = error as Error & { details?: unknown; cause?: unknown };
          return [
            e.message,
            String(e),
            e.stack,
            JSON.stringify(e),
            JSON.stringify(e.details),
            String(e.cause),
          ].join('\n');
        })
        .join('\n');
      expect(leaks(described)).toEqual([]);
      expect(leaks(failures.text)).toEqual([]);
    } finally {
      await refused.close();
      await rejected.close();
      await unauthorised.close();
    }
  });
});
