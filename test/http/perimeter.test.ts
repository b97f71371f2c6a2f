import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { connectDatabase } from '../../src/db/database.js';
import { buildHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/freePort.js';
import { type ApiServer, loggerKeepingLines, startApiServer } from './apiServer.js';

const WEBHOOK_SECRET = 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed';

async function listCount(db: TestDatabase): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from lists`;
  return row!.n;
}

/** A request with headers fetch will not set (Host), over real HTTP. */
async function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const answer = await request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await answer.body.text();
  let body: { error?: { code: string; message: string } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {}
  return { status: answer.statusCode, body };
}

describe('an engine without API_TOKEN (local mode)', () => {
  let db: TestDatabase;
  let server: ApiServer;
  let port: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApiServer(db, {
      apiToken: undefined,
      dashboard: true,
      allowedHosts: ['broadcaster.internal'],
      publicUrl: 'https://hooks.example.com',
      webhookSecret: WEBHOOK_SECRET,
    });
    port = new URL(server.url).port;
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  describe('Host', () => {
    it('answers 421 to a name it does not serve: a DNS-rebinding page reads nothing', async () => {
      for (const host of [
        `evil.example:${port}`,
        'evil.example',
        `127.0.0.1.nip.io:${port}`,
        'localhost.evil.example',
      ]) {
        const answer = await send(`${server.url}/api/v1/contacts`, { headers: { host } });
        expect(answer.status, host).toBe(421);
        expect(answer.body.error).toMatchObject({ code: 'misdirected_request' });
        expect(answer.body.error?.message).toContain('ALLOWED_HOSTS');
      }
      // The dashboard's pages too.
      expect((await send(`${server.url}/`, { headers: { host: `evil.example:${port}` } })).status).toBe(421);
    });

    it('serves loopback names, addresses, PUBLIC_URL’s host and ALLOWED_HOSTS', async () => {
      const hosts = [
        `localhost:${port}`,
        `LOCALHOST:${port}`,
        `app.localhost:${port}`,
        `127.0.0.1:${port}`,
        `[::1]:${port}`,
        '10.0.0.5',
        'hooks.example.com',
        `Broadcaster.Internal:${port}`,
      ];
      for (const host of hosts) {
        const answer = await send(`${server.url}/api/v1/lists`, { headers: { host } });
        expect(answer.status, host).toBe(200);
      }
    });
  });

  describe('cross-origin requests', () => {
    const list = (name: string) => JSON.stringify({ name });

    it('refuses a state change from another origin with 403 and stores nothing', async () => {
      const attacks: Array<Record<string, string>> = [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { origin: `http://localhost:${Number(port) + 1}` },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        // A browser sends both; Sec-Fetch-Site decides.
        { 'sec-fetch-site': 'cross-site', origin: server.url },
      ];
      for (const headers of attacks) {
        const answer = await send(`${server.url}/api/v1/lists`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: list(`attack-${JSON.stringify(headers)}`),
        });
        expect(answer.status, JSON.stringify(headers)).toBe(403);
        expect(answer.body.error?.code).toBe('cross_origin_refused');
      }
      for (const method of ['DELETE', 'PATCH', 'PUT']) {
        const answer = await send(`${server.url}/api/v1/lists/1`, {
          method,
          headers: { origin: 'https://evil.example' },
        });
        expect(answer.status, method).toBe(403);
      }
      expect(await listCount(db)).toBe(0);
    });

    it('lets the same origin, the user’s own navigation and scripts without Origin through', async () => {
      const allowed: Array<Record<string, string>> = [
        { origin: server.url },
        { origin: server.url.replace('127.0.0.1', 'LOCALHOST'), host: `localhost:${port}` },
        { 'sec-fetch-site': 'same-origin', origin: server.url },
        { 'sec-fetch-site': 'none' },
        {},
      ];
      for (const [index, headers] of allowed.entries()) {
        const answer = await send(`${server.url}/api/v1/lists`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: list(`allowed-${index}`),
        });
        expect(answer.status, JSON.stringify(headers)).toBe(201);
      }
    });

    it('reads no text/plain body (the one a page may send without asking): 415, nothing stored', async () => {
      const before = await listCount(db);
      const answer = await send(`${server.url}/api/v1/campaigns`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({
          name: 'x',
          kind: 'broadcast',
          transport: 'sms',
          template: 'hi',
          audience: { list: 'a' },
        }),
      });
      expect(answer.status).toBe(415);
      const lists = await send(`${server.url}/api/v1/lists`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: list('plain'),
      });
      expect(lists.status).toBe(415);
      expect(await listCount(db)).toBe(before);
      const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
      expect(row!.n).toBe(0);
    });

    it('leaves the web hook receiver to its secret path: Chat2Desk is a server, not a page', async () => {
      const answer = await send(`${server.url}/webhooks/chat2desk/${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://chat2desk.example' },
        body: JSON.stringify({ type: 'from_client', text: 'hello', client_id: 1 }),
      });
      expect(answer.status).toBe(200);
    });
  });

  describe('NUL characters', () => {
    it('refuses a NUL in any JSON text with 400 naming the field, and stores nothing', async () => {
      const before = await listCount(db);
      const cases: Array<[string, unknown, string]> = [
        ['/api/v1/lists', { name: 'a\u0000b' }, 'name'],
        [
          '/api/v1/contacts',
          { phone: '+79161234567', attributes: { city: ['ok', 'Mo\u0000scow'] } },
          'attributes.city[1]',
        ],
        [
          '/api/v1/contacts',
          { phone: '+79161234567', attributes: { 'ci\u0000ty': 'x' } },
          'attributes.ci\\0ty',
        ],
        ['/api/v1/lists', 'just\u0000text', 'body'],
      ];
      for (const [path, json, field] of cases) {
        const answer = await send(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(json),
        });
        expect(answer.status, field).toBe(400);
        expect(answer.body.error?.code).toBe('invalid_text');
        expect(answer.body.error?.message).toMatch(
          new RegExp(`^${field.replace(/[[\].\\]/g, '\\$&')}: contains a NUL`),
        );
      }
      const [contacts] = await db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
      expect([await listCount(db), contacts!.n]).toEqual([before, 0]);
    });

    it('refuses a NUL in a query parameter or a YAML campaign', async () => {
      const search = await send(`${server.url}/api/v1/contacts?search=a%00b`);
      expect(search.status).toBe(400);
      expect(search.body.error?.message).toMatch(/^query search: contains a NUL/);
      const yaml = await send(`${server.url}/api/v1/campaigns`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: 'name: "a\u0000"\n',
      });
      expect(yaml.status).toBe(400);
      expect(yaml.body.error?.code).toBe('invalid_text');
    });
  });
});

describe('Host behind a proxy', () => {
  it('reads X-Forwarded-Host only where TRUST_PROXY believes the proxy', async () => {
    const db = await createTestDatabase();
    const trusting = await startApiServer(db, { apiToken: undefined, trustProxy: true });
    const ignoring = await startApiServer(db, { apiToken: undefined });
    try {
      const forwarded = { 'x-forwarded-host': 'evil.example' };
      expect((await send(`${trusting.url}/api/v1/lists`, { headers: forwarded })).status).toBe(421);
      expect((await send(`${ignoring.url}/api/v1/lists`, { headers: forwarded })).status).toBe(200);
    } finally {
      await trusting.close();
      await ignoring.close();
      await db.drop();
    }
  });
});

describe('guessing the API token', () => {
  it('answers 429 after ten wrong Bearer tokens from one address, even to the right one, until the window passes', async () => {
    const db = await createTestDatabase();
    const server = await startApiServer(db, {
      metrics: {},
      dashboard: true,
      authFailureLimit: { max: 10, windowMs: 60_000 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++)
        statuses.push((await server.call('GET', '/api/v1/lists', { token: `guess-${i}` })).status);
      expect(statuses).toEqual(Array(10).fill(401));
      const blocked = await server.call('GET', '/api/v1/lists');
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ error: { code: 'too_many_attempts' } });
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // /metrics and the dashboard's login count the same guesses.
      expect((await server.call('GET', '/metrics')).status).toBe(429);
      const login = await fetch(`${server.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ token: 'test-api-token-5f2c9' }),
        redirect: 'manual',
      });
      expect(login.status).toBe(429);
    } finally {
      await server.close();
      await db.drop();
    }
  });

  it('costs nothing to a client that knows the token', async () => {
    const db = await createTestDatabase();
    const server = await startApiServer(db, { authFailureLimit: { max: 2, windowMs: 60_000 } });
    try {
      for (let i = 0; i < 20; i++) expect((await server.call('GET', '/api/v1/lists')).status).toBe(200);
    } finally {
      await server.close();
      await db.drop();
    }
  });
});

describe('while the database is down', () => {
  it('answers 503 database_unavailable, not 500', async () => {
    const port = await freePort();
    const dead = connectDatabase(`postgres://nobody@127.0.0.1:${port}/none`, { max: 1 });
    const clock = new ManualClock('2026-11-27T07:00:00.000Z');
    const app = buildHttpServer({ sql: dead.sql, db: dead, clock, logger: silentLogger, webhookSecret: 'x' });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      for (const path of ['/api/v1/lists', '/api/v1/campaigns/1', '/healthz']) {
        const answer = await send(`${url}${path}`);
        expect(answer.status, path).toBe(503);
        expect(answer.body.error?.code).toBe('database_unavailable');
      }
    } finally {
      await app.close();
      await dead.close();
    }
  });
});

describe('web hook secrets and signatures', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses an unsigned delivery when signatures are required, storing nothing', async () => {
    const app = buildHttpServer({
      sql: db.sql,
      clock: new ManualClock('2026-11-27T07:00:00.000Z'),
      logger: silentLogger,
      webhookSecret: WEBHOOK_SECRET,
      chat2deskToken: 'live-token-for-signatures',
      webhookSignatures: 'required',
    });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const answer = await send(`${url}/webhooks/chat2desk/${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'from_client', text: 'СТОП', client_id: 1 }),
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('signature_missing');
      const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from webhook_events`;
      expect(row!.n).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('never writes the secret path into a log line, even when the request fails', async () => {
    const { logger, lines } = loggerKeepingLines();
    const port = await freePort();
    const dead = connectDatabase(`postgres://nobody@127.0.0.1:${port}/none`, { max: 1 });
    const app = buildHttpServer({
      sql: dead.sql,
      clock: new ManualClock('2026-11-27T07:00:00.000Z'),
      logger,
      webhookSecret: WEBHOOK_SECRET,
    });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const answer = await send(`${url}/webhooks/chat2desk/${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'from_client', text: 'hello', client_id: 1 }),
      });
      expect(answer.status).toBe(503);
    } finally {
      await app.close();
      await dead.close();
    }
    const log = lines.join('');
    expect(log).not.toContain(WEBHOOK_SECRET);
  });
});
