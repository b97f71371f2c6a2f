import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Chat2DeskAuthError } from '../../src/chat2desk/errors.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { openChat2DeskAccess } from '../../src/roles/chat2deskAccess.js';
import type { EngineParts } from '../../src/roles/engineParts.js';
import { startWorkerRole } from '../../src/roles/workerRole.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, START } from '../support/engineHarness.js';
import { deliveryRow, seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

const SECRET = 'e'.repeat(48);

const cleanups: Array<() => Promise<void>> = [];
const stops: Array<() => Promise<void>> = [];
const runStops = async () => {
  while (stops.length) await stops.pop()?.();
};
afterEach(async () => {
  await runStops();
  while (cleanups.length) await cleanups.pop()?.();
});

/** A database, a sandbox on the engine's clock, and the parts one engine process shares. */
async function engineParts(
  options: { env?: Record<string, string>; sandbox?: SandboxOptions; token?: string } = {},
) {
  const db: TestDatabase = await createTestDatabase();
  cleanups.push(db.drop);
  const clock = new ManualClock(START);
  const sandbox: Sandbox = await startSandbox({ port: 0, token: 'live-token', clock, ...options.sandbox });
  cleanups.push(() => sandbox.close());
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const config = loadConfig({
    DATABASE_URL: db.url,
    CHAT2DESK_API_URL: sandbox.url,
    CHAT2DESK_TOKEN: options.token ?? 'live-token',
    CHAT2DESK_REQUESTS_PER_SECOND: '0',
    WHATSAPP_NEW_CLIENT_DELAY_MS: '0',
    ...options.env,
  });
  const addStop = (stop: () => Promise<void>) => stops.push(stop);
  const chat2desk = await openChat2DeskAccess({ config, clock, logger, db, sandbox: undefined, addStop });
  const parts: EngineParts = { config, clock, logger, db, webhookSecret: SECRET, chat2desk, addStop };
  return { parts, db, sandbox, lines };
}

describe('startWorkerRole', () => {
  it('runs a delivery worker that takes a due delivery to Chat2Desk', async () => {
    const { parts, db } = await engineParts();
    const home = await seedRunningCampaign(db.sql);
    const id = await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, '79990000001') });

    const role = await startWorkerRole(parts, { receivesWebhooks: false });

    expect(role.worker).toBeDefined();
    expect(role.statusPoller).toBeDefined();
    await eventually(
      async () => (await deliveryRow(db.sql, id)).state === 'sent',
      10_000,
      'the delivery sent',
    );
  });

  it("learns the monthly quota of the account's API mode from api_info", async () => {
    const { parts } = await engineParts({ sandbox: { mode: 'demo' } });

    await startWorkerRole(parts, { receivesWebhooks: false });

    expect(await parts.chat2desk.quota.usage()).toMatchObject({ mode: 'demo', quota: 1000 });
  });

  it('polls replies without PUBLIC_URL, and says so on the reception', async () => {
    const { parts } = await engineParts();
    const reception = { receivesWebhooks: true };

    const role = await startWorkerRole(parts, reception);

    expect(reception.receivesWebhooks).toBe(false);
    expect(role.replyWatcher).toBeDefined();
    expect(await parts.chat2desk.registry.metrics()).toMatch(/broadcaster_reply_polls_total/);
  });

  it("keeps a reply watcher for when today's web hook is down, but receives by web hook while it is up", async () => {
    const { parts, sandbox } = await engineParts({ env: { PUBLIC_URL: 'https://broadcaster.example.com' } });
    const reception = { receivesWebhooks: false };

    const role = await startWorkerRole(parts, reception);

    expect(reception.receivesWebhooks).toBe(true);
    expect(role.replyWatcher).toBeDefined();
    expect(sandbox.state.requests.routeCounts()['POST /v1/webhooks']).toBe(1);
  });

  it('starts no reply watcher where the v1.08 company hook brings the replies', async () => {
    const { parts } = await engineParts({
      env: { PUBLIC_URL: 'https://broadcaster.example.com' },
      sandbox: { webhooksApi: false },
    });
    const reception = { receivesWebhooks: false };

    const role = await startWorkerRole(parts, reception);

    expect(reception.receivesWebhooks).toBe(true);
    expect(role.replyWatcher).toBeUndefined();
    expect(await parts.chat2desk.registry.metrics()).not.toMatch(/broadcaster_reply_polls_total/);
  });

  it('refuses to start with a token Chat2Desk does not know, at once and adding no stop of its own', async () => {
    const { parts, sandbox, lines } = await engineParts({ token: 'wrong-token' });
    const before = stops.length;

    await expect(startWorkerRole(parts, { receivesWebhooks: false })).rejects.toBeInstanceOf(
      Chat2DeskAuthError,
    );

    expect(stops.length).toBe(before);
    expect(sandbox.state.requests.routeCounts()['GET /v1/companies/api_info']).toBe(1);
    expect(lines.filter((line) => line['level'] === 40)).toEqual([]);
  });

  it("adds its stops to the engine's: once they have run, a due delivery stays queued", async () => {
    const { parts, db, sandbox } = await engineParts();
    const before = stops.length;
    await startWorkerRole(parts, { receivesWebhooks: false });
    expect(stops.length).toBeGreaterThan(before);

    await runStops();
    const home = await seedRunningCampaign(db.sql);
    const id = await seedDelivery(db.sql, home, { contactId: await seedContact(db.sql, '79990000001') });
    await db.sql`select pg_notify('broadcaster_deliveries', '')`;
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect((await deliveryRow(db.sql, id)).state).toBe('queued');
    expect(sandbox.state.requests.routeCounts()['POST /v1/messages']).toBeUndefined();
  });
});
