import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/chat2desk/sandbox/index.js';
import { loadConfig } from '../src/config/config.js';
import { type Engine, startEngine } from '../src/engine.js';
import { legacyWebhookSecret } from '../src/http/webhookSecret.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/**
 * An account as v1.08 describes it: one web hook per company, no /v1/webhooks (the engine's way with
 * today's hooks: test/delivery/webhookRegistration.test.ts).
 */
async function setUp(env: Record<string, string> = {}) {
  const db: TestDatabase = await createTestDatabase();
  cleanups.push(db.drop);
  const sandbox: Sandbox = await startSandbox({ port: 0, token: 'live-token', webhooksApi: false });
  cleanups.push(() => sandbox.close());
  const config = loadConfig({
    DATABASE_URL: db.url,
    CHAT2DESK_API_URL: sandbox.url,
    CHAT2DESK_TOKEN: 'live-token',
    CHAT2DESK_REQUESTS_PER_SECOND: '0',
    PORT: '0',
    ...env,
  });
  const start = async (role: 'all' | 'api' | 'scheduler' | 'worker' = 'all'): Promise<Engine> => {
    const engine = await startEngine({ config, role });
    cleanups.push(engine.stop);
    return engine;
  };
  return { db, sandbox, start };
}

async function hookOf(sandbox: Sandbox): Promise<string | null> {
  const res = await fetch(`${sandbox.url}/v1/companies/api_info`, {
    headers: { authorization: 'live-token' },
  });
  return ((await res.json()) as { data: { hook: string | null } }).data.hook;
}

describe('startEngine', () => {
  it('registers its web hook receiver when PUBLIC_URL is set and the company has none', async () => {
    const { sandbox, start } = await setUp({ PUBLIC_URL: 'https://broadcaster.example.com' });

    const engine = await start('worker');

    expect(engine.receivesWebhooks).toBe(true);
    const hook = await hookOf(sandbox);
    expect(hook).toMatch(/^https:\/\/broadcaster\.example\.com\/webhooks\/chat2desk\/[0-9a-f]{48}$/);
    // Random per installation, not derived from the Chat2Desk token (which the sandbox makes public).
    expect(hook).not.toContain(legacyWebhookSecret('live-token'));
    const second = await start('worker');
    expect(second.receivesWebhooks).toBe(true);
    expect(await hookOf(sandbox)).toBe(hook);
  });

  it('moves a hook an earlier version registered (its path derived from the token) to the random path', async () => {
    const { sandbox, start } = await setUp({ PUBLIC_URL: 'https://broadcaster.example.com' });
    const legacy = `https://broadcaster.example.com/webhooks/chat2desk/${legacyWebhookSecret('live-token')}`;
    await fetch(`${sandbox.url}/v1/companies/web_hook`, {
      method: 'POST',
      headers: { authorization: 'live-token', 'content-type': 'application/json' },
      body: JSON.stringify({ url: legacy }),
    });

    const engine = await start('worker');

    expect(engine.receivesWebhooks).toBe(true);
    const hook = await hookOf(sandbox);
    expect(hook).toMatch(/\/webhooks\/chat2desk\/[0-9a-f]{48}$/);
    expect(hook).not.toBe(legacy);
  });

  it('never replaces a different web hook the company already has, and polls replies instead', async () => {
    const { sandbox, start } = await setUp({ PUBLIC_URL: 'https://broadcaster.example.com' });
    await fetch(`${sandbox.url}/v1/companies/web_hook`, {
      method: 'POST',
      headers: { authorization: 'live-token', 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://crm.example.com/hook' }),
    });

    const engine = await start('worker');

    expect(await hookOf(sandbox)).toBe('https://crm.example.com/hook');
    expect(engine.receivesWebhooks).toBe(false);
  });

  it('registers nothing without PUBLIC_URL', async () => {
    const { sandbox, start } = await setUp();
    await start('worker');
    expect(await hookOf(sandbox)).toBeNull();
  });

  it('serves only the roles asked for: api answers /healthz and runs no worker or scheduler', async () => {
    const { start } = await setUp();

    const engine = await start('api');

    expect(engine.worker).toBeUndefined();
    expect(engine.timekeeper).toBeUndefined();
    const health = await fetch(`${engine.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('starts through a passing Chat2Desk failure at start-up instead of exiting (found by the crash suite)', async () => {
    const { sandbox, start } = await setUp();
    sandbox.setFaults({ serverErrorRate: 1 });
    const apiInfoCalls = () => sandbox.state.requests.routeCounts()['GET /v1/companies/api_info'] ?? 0;
    const starting = start('worker');
    while (apiInfoCalls() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    sandbox.setFaults({});
    const engine = await starting;
    expect(engine.worker).toBeDefined();
    expect(apiInfoCalls()).toBe(2);
  });

  it('learns the monthly quota from api_info at start', async () => {
    const { db, start } = await setUp();
    await start('worker');
    const [usage] = await db.sql`select api_mode, requests_reported from api_usage`;
    expect(usage).toEqual({ api_mode: 'unlimited', requests_reported: 1 });
  });
});

describe('the engine metrics', () => {
  it('count its Chat2Desk requests by endpoint and outcome on /metrics', async () => {
    const { start } = await setUp();
    const engine = await start('all');

    const text = await (await fetch(`${engine.httpUrl}/metrics`)).text();

    expect(text).toMatch(
      /broadcaster_chat2desk_requests_total\{endpoint="GET \/v1\/companies\/api_info",outcome="ok"\} 1/,
    );
    expect(text).toMatch(/broadcaster_rate_limiter_wait_seconds_count 1/);
  });
});
