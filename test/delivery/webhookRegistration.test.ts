import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import type { Webhook } from '../../src/chat2desk/types.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import type { Sql } from '../../src/db/database.js';
import { OUR_WEBHOOK_NAME, registerWebhook } from '../../src/delivery/webhookRegistration.js';
import { type Engine, startEngine } from '../../src/engine.js';
import { installationWebhookSecret, legacyWebhookSecret } from '../../src/http/webhookSecret.js';
import { silentLogger } from '../../src/logger.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  eventually,
  START,
  seedContacts,
} from '../support/engineHarness.js';
import { freePort } from '../support/freePort.js';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.js';

const TOKEN = 'live-token';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const PHONE = '79310001122';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/**
 * A database, a sandbox and an engine whose receiver is reached through a proxy the test can cut, as
 * a PUBLIC_URL that stops answering. `sandboxClock` apart from the engine's lets a test move the
 * service's time (5 hours of failures) without moving the engine's (its 5-minute looks at the hooks).
 */
async function setUp(options: { sandbox?: SandboxOptions; separateSandboxClock?: boolean } = {}) {
  const db: TestDatabase = await createTestDatabase();
  cleanups.push(db.drop);
  const clock = new ManualClock(START);
  const sandboxClock = options.separateSandboxClock ? new ManualClock(START) : clock;
  const sandbox: Sandbox = await startSandbox({
    port: 0,
    token: TOKEN,
    clock: sandboxClock,
    ...options.sandbox,
  });
  cleanups.push(() => sandbox.close());
  const port = await freePort();
  const proxy: TcpProxy = await startTcpProxy(`http://127.0.0.1:${port}`);
  cleanups.push(() => proxy.close());
  const publicUrl = proxy.url.replace(/\/$/, '');
  const config = loadConfig({
    DATABASE_URL: db.url,
    CHAT2DESK_API_URL: sandbox.url,
    CHAT2DESK_TOKEN: TOKEN,
    CHAT2DESK_REQUESTS_PER_SECOND: '0',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
  });
  const client = new Chat2DeskClient({ baseUrl: sandbox.url, token: TOKEN });
  cleanups.push(() => client.close());
  const start = async (role: 'all' | 'worker' = 'all'): Promise<Engine> => {
    const engine = await startEngine({ config, role, clock });
    cleanups.push(engine.stop);
    return engine;
  };
  const receiverUrl = async () =>
    `${publicUrl}/webhooks/chat2desk/${await installationWebhookSecret(db.sql)}`;
  return { db, clock, sandboxClock, sandbox, proxy, publicUrl, client, start, receiverUrl };
}

async function addContact(sql: Sql, phone = PHONE): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into contacts (phone, name, opted_in_at, opt_in_source)
    values (${phone}, 'Ann', ${START}, 'test') returning id`;
  return row!.id;
}

async function optedOut(sql: Sql, contactId: number): Promise<boolean> {
  const [row] = await sql<
    { opted_out_at: Date | null }[]
  >`select opted_out_at from contacts where id = ${contactId}`;
  return row?.opted_out_at !== null;
}

const foreign = (i: number) => ({
  name: `crm ${i}`,
  url: `https://crm${i}.example.com/hook`,
  events: ['inbox'],
});

describe('registering our web hook where the account has /v1/webhooks', () => {
  it('adds one hook of ours for inbox and outbox_status, and a STOP comes through it', async () => {
    const { db, sandbox, client, start, receiverUrl } = await setUp();
    const engine = await start();

    expect(engine.receivesWebhooks).toBe(true);
    const hooks = await client.listWebhooks();
    expect(hooks).toEqual([
      expect.objectContaining({
        name: OUR_WEBHOOK_NAME,
        url: await receiverUrl(),
        events: ['inbox', 'outbox_status'],
        status: 'active',
      }),
    ]);
    expect(hooks[0]!.url).toMatch(/\/webhooks\/chat2desk\/[0-9a-f]{48}$/);
    // The v1.08 company hook is left empty: one hook of ours, never two deliveries of a reply.
    expect((await client.getApiInfo()).hook).toBeNull();

    const contactId = await addContact(db.sql);
    await sandbox.clientReply(PHONE, 'STOP');
    expect(await optedOut(db.sql, contactId)).toBe(true);
    const [event] = await db.sql`select hook_type from webhook_events`;
    expect(event).toEqual({ hook_type: 'inbox' });

    // Another instance starting finds it, and makes no second one.
    const second = await start('worker');
    expect(second.receivesWebhooks).toBe(true);
    expect((await client.listWebhooks()).map((h) => h.id)).toEqual([hooks[0]!.id]);
  });

  it("leaves another integration's hook exactly as it is", async () => {
    const { client, start } = await setUp();
    const theirs = await client.createWebhook({
      name: 'crm',
      url: 'https://crm.example.com/hook',
      events: ['inbox', 'outbox'],
    });

    await start();

    const hooks = await client.listWebhooks();
    expect(hooks).toHaveLength(2);
    expect(hooks[0]).toEqual(theirs);
    expect(hooks[1]).toMatchObject({ name: OUR_WEBHOOK_NAME, events: ['inbox', 'outbox_status'] });
  });

  it('registers nothing when five hooks of other integrations take every place, and polls replies instead', async () => {
    const { db, clock, sandbox, client, start } = await setUp();
    const theirs: Webhook[] = [];
    for (let i = 1; i <= 5; i++) theirs.push(await client.createWebhook(foreign(i)));

    const engine = await start();

    expect(engine.receivesWebhooks).toBe(false);
    expect(await client.listWebhooks()).toEqual(theirs);
    const contactId = await addContact(db.sql);
    await sandbox.clientReply(PHONE, 'STOP');
    clock.advance(MINUTE);
    await eventually(() => optedOut(db.sql, contactId), 10_000, 'the polled STOP');
    expect(engine.replyWatcher!.counts.optOuts).toBe(1);
  });

  it('puts our own hook right: its events, and the address an earlier version used', async () => {
    const { sandbox, client, start, publicUrl, receiverUrl } = await setUp();
    const legacyUrl = `${publicUrl}/webhooks/chat2desk/${legacyWebhookSecret(TOKEN)}`;
    const old = await client.createWebhook({ name: OUR_WEBHOOK_NAME, url: legacyUrl, events: ['inbox'] });
    // …and the v1.08 company hook an earlier version set: ours, so it goes.
    await client.setWebHook(legacyUrl);

    const engine = await start();

    expect(engine.receivesWebhooks).toBe(true);
    expect(await client.listWebhooks()).toEqual([
      expect.objectContaining({ id: old.id, url: await receiverUrl(), events: ['inbox', 'outbox_status'] }),
    ]);
    expect((await client.getApiInfo()).hook).toBeNull();
    expect(sandbox.state.webhooks.list()).toHaveLength(1);
  });
});

describe('an account without /v1/webhooks (404 "Page not found")', () => {
  it('gets the v1.08 single company hook, as before, and a STOP comes through it', async () => {
    const { db, sandbox, client, start, receiverUrl } = await setUp({ sandbox: { webhooksApi: false } });

    const engine = await start();

    expect(engine.receivesWebhooks).toBe(true);
    expect(engine.replyWatcher).toBeUndefined();
    expect((await client.getApiInfo()).hook).toBe(await receiverUrl());
    const contactId = await addContact(db.sql);
    await sandbox.clientReply(PHONE, 'STOP');
    expect(await optedOut(db.sql, contactId)).toBe(true);
  });
});

describe('a hook Chat2Desk switched off', () => {
  it('is noticed and put back, and polling covers the gap: a STOP sent while it was off is applied', async () => {
    const { db, clock, sandboxClock, sandbox, proxy, start } = await setUp({ separateSandboxClock: true });
    const engine = await start();
    expect(engine.receivesWebhooks).toBe(true);
    const contactId = await addContact(db.sql);

    // PUBLIC_URL stops answering; after 5 hours of failed deliveries Chat2Desk switches the hook off.
    proxy.cut();
    await sandbox.clientReply('79310009999', 'hello');
    sandboxClock.advance(5 * HOUR);
    await sandbox.deliverDueWebhooks();
    const [hook] = sandbox.state.webhooks.list();
    expect(hook!.status).toBe('disabled');

    // The client writes STOP while the hook is off: Chat2Desk keeps nothing for it.
    await sandbox.clientReply(PHONE, 'STOP');
    proxy.restore();
    expect(await optedOut(db.sql, contactId)).toBe(false);

    // Five minutes of engine time on, the engine looks, puts the hook back, and polls meanwhile.
    clock.advance(5 * HOUR + 5 * MINUTE);
    await eventually(
      async () => hook!.status === 'active' && (await optedOut(db.sql, contactId)),
      10_000,
      'the hook put back and the STOP applied',
    );
    expect(engine.receivesWebhooks).toBe(false);
    // The STOP came by polling (the message as GET /v1/messages lists it), not by the hook.
    const [event] = await db.sql<{ polled: boolean }[]>`
      select payload ? 'created' as polled from webhook_events where payload->>'text' = 'STOP'`;
    expect(event).toEqual({ polled: true });

    // The next look finds it working: polling stops, and replies come by hook again.
    clock.advance(5 * MINUTE);
    await eventually(() => engine.receivesWebhooks, 10_000, 'the hook taken as working again');
    sandboxClock.set(clock.now());
    const otherId = await addContact(db.sql, '79310003333');
    await sandbox.clientReply('79310003333', 'STOP');
    expect(await optedOut(db.sql, otherId)).toBe(true);
  });
});

describe('two instances registering at once', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('keeps one hook of ours where two instances starting at once made two', async () => {
    h = await createEngineHarness();
    const { client, gate } = await h.addWorker();
    const options = {
      publicUrl: 'https://broadcaster.example.com',
      client,
      gate,
      webhookSecret: 'a'.repeat(48),
      legacySecret: 'b'.repeat(32),
      hook: null,
      logger: silentLogger,
    };
    const url = `https://broadcaster.example.com/webhooks/chat2desk/${'a'.repeat(48)}`;
    const first = await client.createWebhook({
      name: OUR_WEBHOOK_NAME,
      url,
      events: ['inbox', 'outbox_status'],
    });
    await client.createWebhook({ name: OUR_WEBHOOK_NAME, url, events: ['inbox', 'outbox_status'] });

    expect(await registerWebhook(options)).toMatchObject({ kind: 'webhooks', up: true });

    expect((await client.listWebhooks()).map((w) => w.id)).toEqual([first.id]);
  });
});

describe('an outbox_status failure', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("fails the delivery with the messenger's reason", async () => {
    h = await createEngineHarness({ sandbox: { unreachablePhonePattern: /0007$/ } });
    const harness = h;
    // The engine's web hook receiver (api role) behind a proxy, registered for statuses.
    const port = await freePort();
    const proxy = await startTcpProxy(`http://127.0.0.1:${port}`);
    cleanups.push(() => proxy.close());
    const engine = await startEngine({
      config: loadConfig({
        DATABASE_URL: harness.db.url,
        CHAT2DESK_API_URL: harness.sandbox.url,
        CHAT2DESK_TOKEN: harness.sandbox.token,
        PORT: String(port),
      }),
      role: 'api',
      clock: harness.clock,
    });
    cleanups.push(engine.stop);
    const parts = await harness.addWorker();
    await parts.client.createWebhook({
      name: OUR_WEBHOOK_NAME,
      url: `${proxy.url}webhooks/chat2desk/${await installationWebhookSecret(harness.db.sql)}`,
      events: ['outbox_status'],
    });

    // The failure is reported as the message goes out, before the engine has recorded it as sent:
    // that first delivery fails here (the receiver is cut off), and its retry 10 s later finds it sent.
    proxy.cut();
    const campaignId = await sendViberBroadcast(harness, parts.worker, 7);
    expect(await deliveryStates(harness.db.sql, campaignId)).toEqual({ sent: 7 });
    proxy.restore();
    harness.clock.advance(10 * SECOND);
    await harness.sandbox.deliverDueWebhooks();

    expect(await deliveryStates(harness.db.sql, campaignId)).toEqual({ read: 6, failed: 1 });
    const [failed] = await harness.db.sql`
      select c.phone, d.reason from deliveries d join contacts c on c.id = d.contact_id where d.state = 'failed'`;
    expect(failed).toEqual({ phone: '79000000007', reason: 'undeliverable:Message undeliverable' });
  });
});

async function sendViberBroadcast(
  h: EngineHarness,
  worker: { drain(): Promise<unknown> },
  count: number,
): Promise<number> {
  await seedContacts(h.db.sql, { count, list: 'vip' });
  const definition = validateCampaignDefinition(
    {
      name: 'Statuses',
      kind: 'broadcast',
      transport: 'viber',
      channelId: 1,
      template: 'Hi {{firstName}}',
      audience: { list: 'vip' },
      schedule: { at: new Date(START.getTime() + MINUTE).toISOString() },
    },
    { now: h.clock.now() },
  );
  const campaign = await createCampaign(h.db, definition, {
    now: h.clock.now(),
    templatesDir: join(import.meta.dirname, '..', '..', 'templates'),
  });
  h.clock.advance(MINUTE);
  await new Timekeeper({ sql: h.db.sql, clock: h.clock }).tick();
  await worker.drain();
  return campaign.id;
}
