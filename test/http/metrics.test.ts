import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import { type Sandbox, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../src/clock.js';
import type { Sql } from '../../src/db/database.js';
import { SharedRateLimiter } from '../../src/delivery/rateLimiter.js';
import { registerMetrics } from '../../src/http/metrics.js';
import { buildHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { chat2deskRequestObserver } from '../../src/metrics/chat2deskRequests.js';
import {
  rateLimiterWaitObserver,
  registerRateLimiterCounts,
  timedRateLimiter,
} from '../../src/metrics/rateLimiterWaits.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/freePort.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
const SECOND = 1000;

let db: TestDatabase;
let clock: ManualClock;
let registry: Registry;
let app: FastifyInstance;
let url: string;
let sandbox: Sandbox;

beforeAll(async () => {
  db = await createTestDatabase();
  clock = new ManualClock(NOW);
  registry = new Registry();
  app = buildHttpServer({ sql: db.sql, clock, logger: silentLogger, webhookSecret: 'secret' });
  registerMetrics(app, { sql: db.sql, registry, clock });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  sandbox = await startSandbox({ port: 0, token: 'metrics-test-token' });
});

afterAll(async () => {
  await app?.close();
  await sandbox?.close();
  await db?.drop();
});

async function scrape(at = url): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(`${at}/metrics`);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  };
}

/** The value of one sample, e.g. value(text, 'broadcaster_deliveries', { state: 'sent' }); undefined when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([k, v]) => found[k] === v)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

let phoneSeq = 0;

/** A campaign with one run and deliveries in the given states, each due `dueAgoMs` before NOW. */
async function seedCampaign(
  sql: Sql,
  status: 'running' | 'paused' | 'completed',
  deliveries: Array<{ state: string; dueAgoMs: number }>,
): Promise<number> {
  const [campaign] = await sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, definition, template_source)
    values (${`campaign ${status}`}, 'broadcast', ${status}, 'whatsapp', '{}', 'Hi') returning id`;
  const [run] = await sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for, status)
    values (${campaign!.id}, ${NOW}, 'running') returning id`;
  for (const d of deliveries) {
    const [contact] = await sql<{ id: number }[]>`
      insert into contacts (phone) values (${String(79100000000 + ++phoneSeq)}) returning id`;
    const at = new Date(NOW.getTime() - d.dueAgoMs);
    await sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport)
      values (${run!.id}, ${campaign!.id}, ${contact!.id}, ${d.state}::delivery_state,
        ${d.state === 'failed' || d.state === 'skipped' ? 'test' : null}, ${at}, ${at}, 'whatsapp')`;
  }
  return campaign!.id;
}

describe('GET /metrics', () => {
  beforeAll(async () => {
    await seedCampaign(db.sql, 'running', [
      { state: 'queued', dueAgoMs: 90 * SECOND },
      { state: 'queued', dueAgoMs: 30 * SECOND },
      { state: 'waiting', dueAgoMs: 10 * SECOND },
      // Not due yet: a WhatsApp delay or a send window holds it for another 40 s.
      { state: 'waiting', dueAgoMs: -40 * SECOND },
      { state: 'sent', dueAgoMs: 300 * SECOND },
      { state: 'sent', dueAgoMs: 300 * SECOND },
      { state: 'failed', dueAgoMs: 300 * SECOND },
    ]);
    // Paused: due long ago, but nobody is meant to take it.
    await seedCampaign(db.sql, 'paused', [
      { state: 'queued', dueAgoMs: 3600 * SECOND },
      { state: 'skipped', dueAgoMs: 3600 * SECOND },
    ]);
  });

  it('answers in the Prometheus text format, with the Node process metrics', async () => {
    const { status, contentType, text } = await scrape();
    expect(status).toBe(200);
    expect(contentType).toContain('text/plain; version=0.0.4');
    expect(value(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE broadcaster_deliveries gauge');
  });

  it('counts deliveries by state over every campaign, zeros included', async () => {
    const { text } = await scrape();
    expect(value(text, 'broadcaster_database_up')).toBe(1);
    expect(
      Object.fromEntries(
        ['queued', 'waiting', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped'].map((state) => [
          state,
          value(text, 'broadcaster_deliveries', { state }),
        ]),
      ),
    ).toEqual({ queued: 3, waiting: 2, sending: 0, sent: 2, delivered: 0, read: 0, failed: 1, skipped: 1 });
  });

  it('shows the due queue of running campaigns and the age of its oldest delivery by the engine clock', async () => {
    const before = await scrape();
    expect(value(before.text, 'broadcaster_delivery_queue_depth')).toBe(3);
    expect(value(before.text, 'broadcaster_delivery_queue_oldest_age_seconds')).toBe(90);

    clock.advance(60 * SECOND);
    const after = await scrape();
    // The held one is now due too; the oldest has waited a minute more.
    expect(value(after.text, 'broadcaster_delivery_queue_depth')).toBe(4);
    expect(value(after.text, 'broadcaster_delivery_queue_oldest_age_seconds')).toBe(150);
    clock.set(NOW);
  });

  it("reports this month's quota use and limit from api_usage, not another month's", async () => {
    const empty = await scrape();
    expect(value(empty.text, 'broadcaster_chat2desk_quota_used')).toBe(0);
    expect(value(empty.text, 'broadcaster_chat2desk_quota_limit')).toBeUndefined();

    await db.sql`
      insert into api_usage (month, requests_counted, api_mode, monthly_quota)
      values ('2026-10-01', 49000, 'normal', 50000), ('2026-11-01', 1234, 'normal', 50000)`;
    const { text } = await scrape();
    expect(value(text, 'broadcaster_chat2desk_quota_used')).toBe(1234);
    expect(value(text, 'broadcaster_chat2desk_quota_limit')).toBe(50000);
  });

  it('counts Chat2Desk requests by endpoint and outcome, as the client reports them', async () => {
    const observe = chat2deskRequestObserver(registry);
    const client = new Chat2DeskClient({
      baseUrl: sandbox.url,
      token: sandbox.token,
      onRequestDone: observe,
    });
    const stranger = new Chat2DeskClient({
      baseUrl: sandbox.url,
      token: 'not-the-token',
      onRequestDone: observe,
    });
    try {
      await client.getApiInfo();
      await client.getApiInfo();
      await expect(client.getClient(987654)).rejects.toThrow();
      await expect(stranger.getApiInfo()).rejects.toThrow();
    } finally {
      await client.close();
      await stranger.close();
    }

    const { text } = await scrape();
    const requests = (endpoint: string, outcome: string) =>
      value(text, 'broadcaster_chat2desk_requests_total', { endpoint, outcome });
    expect(requests('GET /v1/companies/api_info', 'ok')).toBe(2);
    expect(requests('GET /v1/clients/:id', 'not_found')).toBe(1);
    expect(requests('GET /v1/companies/api_info', 'auth')).toBe(1);
    expect(
      value(text, 'broadcaster_chat2desk_request_duration_seconds_count', {
        endpoint: 'GET /v1/companies/api_info',
      }),
    ).toBe(3);
  });

  it('records one rate-limiter wait per request that passed the shared limiter', async () => {
    const limiter = new SharedRateLimiter({ sql: db.sql, name: 'metrics-test', perSecond: 50 });
    const timed = timedRateLimiter(limiter, rateLimiterWaitObserver(registry));
    for (let i = 0; i < 3; i++) await timed.acquire();

    const { text } = await scrape();
    expect(value(text, 'broadcaster_rate_limiter_wait_seconds_count')).toBe(3);
    expect(value(text, 'broadcaster_rate_limiter_wait_seconds_bucket', { le: '+Inf' })).toBe(3);
  });

  it('shows the slots the shared limiter gave up and the seats it could not give back', async () => {
    const limiter = { seatlessCount: 0, unreleasedCount: 0 };
    registerRateLimiterCounts(registry, limiter);
    limiter.seatlessCount = 7;
    limiter.unreleasedCount = 2;

    const { text } = await scrape();
    expect(value(text, 'broadcaster_rate_limiter_seatless_slots_total')).toBe(7);
    expect(value(text, 'broadcaster_rate_limiter_unreleased_seats_total')).toBe(2);
  });

  it('lets a second observer and a second server share one registry, counting into the same series', async () => {
    const again = chat2deskRequestObserver(registry);
    again('POST /v1/messages', 'ok', 120);
    again('POST /v1/messages', 'ok', 80);
    const second = buildHttpServer({ sql: db.sql, clock, logger: silentLogger, webhookSecret: 's' });
    registerMetrics(second, { sql: db.sql, registry, clock });
    try {
      const address = await second.listen({ port: 0, host: '127.0.0.1' });
      for (const at of [url, address]) {
        const { text } = await scrape(at);
        expect(
          value(text, 'broadcaster_chat2desk_requests_total', {
            endpoint: 'POST /v1/messages',
            outcome: 'ok',
          }),
        ).toBe(2);
        expect(
          value(text, 'broadcaster_chat2desk_requests_total', {
            endpoint: 'GET /v1/companies/api_info',
            outcome: 'ok',
          }),
        ).toBe(2);
      }
    } finally {
      await second.close();
    }
  });
});

describe('GET /metrics without a database', () => {
  it('still serves the process metrics, with broadcaster_database_up 0 and no database gauges', async () => {
    const port = await freePort();
    const deadSql = postgres(`postgres://nobody@127.0.0.1:${port}/none`, { max: 1, connect_timeout: 2 });
    const server = buildHttpServer({ sql: deadSql, clock, logger: silentLogger, webhookSecret: 'secret' });
    registerMetrics(server, { sql: deadSql, clock });
    try {
      const address = await server.listen({ port: 0, host: '127.0.0.1' });
      const { status, text } = await scrape(address);
      expect(status).toBe(200);
      expect(value(text, 'broadcaster_database_up')).toBe(0);
      expect(value(text, 'broadcaster_deliveries', { state: 'sent' })).toBeUndefined();
      expect(value(text, 'broadcaster_delivery_queue_depth')).toBeUndefined();
      expect(value(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    } finally {
      await server.close();
      await deadSql.end({ timeout: 1 });
    }
  });
});
