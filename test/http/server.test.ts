import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { buildHttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'server-test-token';

let db: TestDatabase;
const servers: FastifyInstance[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});
afterAll(async () => {
  await db?.drop();
});

async function serve(options: Partial<HttpServerOptions> = {}): Promise<string> {
  const app = buildHttpServer({
    sql: db.sql,
    clock: new ManualClock('2026-11-27T07:00:00.000Z'),
    logger: silentLogger,
    webhookSecret: 'webhook-secret',
    ...options,
  });
  servers.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

function get(url: string, headers: Record<string, string> = {}) {
  return fetch(url, { headers, redirect: 'manual' });
}

describe('buildHttpServer', () => {
  it('without the database serves health but no API and no OpenAPI document', async () => {
    const url = await serve();
    expect((await get(`${url}/healthz`)).status).toBe(200);
    const api = await get(`${url}/api/v1/lists`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await get(`${url}/api/v1/openapi.json`)).status).toBe(404);
  });

  it('serves neither the dashboard nor /metrics unless asked to', async () => {
    const url = await serve({ db });
    expect((await get(`${url}/api/v1/lists`)).status).toBe(200);
    expect((await get(`${url}/`)).status).toBe(404);
    expect((await get(`${url}/metrics`)).status).toBe(404);
  });

  it('serves the dashboard and /metrics when asked to', async () => {
    const url = await serve({ db, dashboard: true, metrics: {} });
    const home = await get(`${url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const metrics = await get(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('broadcaster_');
  });

  it('with TRUST_PROXY as a hop count, counts wrong tokens per forwarded client address', async () => {
    const url = await serve({
      db,
      apiToken: TOKEN,
      trustProxy: 1,
      authFailureLimit: { max: 1, windowMs: 60_000 },
    });
    const from = (address: string, token: string) =>
      get(`${url}/api/v1/lists`, { authorization: `Bearer ${token}`, 'x-forwarded-for': address });
    expect((await from('203.0.113.1', 'wrong')).status).toBe(401);
    expect((await from('203.0.113.2', TOKEN)).status).toBe(200);
    expect((await from('203.0.113.1', TOKEN)).status).toBe(429);
  });

  it('without TRUST_PROXY, believes no X-Forwarded-For: every client behind it is one address', async () => {
    const url = await serve({ db, apiToken: TOKEN, authFailureLimit: { max: 1, windowMs: 60_000 } });
    const from = (address: string, token: string) =>
      get(`${url}/api/v1/lists`, { authorization: `Bearer ${token}`, 'x-forwarded-for': address });
    expect((await from('203.0.113.1', 'wrong')).status).toBe(401);
    expect((await from('203.0.113.2', TOKEN)).status).toBe(429);
  });

  it('shares one count of wrong tokens between the dashboard login and the API', async () => {
    const url = await serve({
      db,
      apiToken: TOKEN,
      dashboard: true,
      authFailureLimit: { max: 1, windowMs: 60_000 },
    });
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ token: 'wrong', next: '/' }),
    });
    expect(login.status).toBe(401);
    expect((await get(`${url}/api/v1/lists`, { authorization: `Bearer ${TOKEN}` })).status).toBe(429);
  });

  it('gives VIEWER_TOKEN the reads of the API, /metrics and the console, and none of the changes', async () => {
    const viewer = 'server-test-viewer-token';
    const url = await serve({ db, apiToken: TOKEN, viewerToken: viewer, dashboard: true, metrics: {} });
    const asViewer = { authorization: `Bearer ${viewer}` };
    expect((await get(`${url}/api/v1/campaigns`, asViewer)).status).toBe(200);
    expect((await get(`${url}/metrics`, asViewer)).status).toBe(200);
    const change = await fetch(`${url}/api/v1/lists`, {
      method: 'POST',
      headers: { ...asViewer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'viewers-were-here' }),
    });
    expect(change.status).toBe(403);
    expect(((await change.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect(await db.sql`select 1 from lists where name = 'viewers-were-here'`).toHaveLength(0);
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ token: viewer, next: '/' }),
    });
    expect(login.status).toBe(303);
  });
});
