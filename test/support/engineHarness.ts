import { join } from 'node:path';
import postgres from 'postgres';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { campaignPauser } from '../../src/campaigns/lifecycle.js';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import { ManualClock } from '../../src/clock.js';
import { reconnectBackoffSeconds, type Sql } from '../../src/db/database.js';
import { Chat2DeskGate } from '../../src/delivery/chat2deskGate.js';
import { QuotaGuard } from '../../src/delivery/quotaGuard.js';
import { SharedRateLimiter } from '../../src/delivery/rateLimiter.js';
import { ReplyWatcher, type ReplyWatcherOptions } from '../../src/delivery/replyWatcher.js';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../src/delivery/worker.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const START = new Date('2026-11-27T07:00:00.000Z');

export interface EngineHarness {
  db: TestDatabase;
  clock: ManualClock;
  sandbox: Sandbox;
  /** A worker with its own connection pool, client, limiter and quota guard: one "engine process". */
  addWorker(
    options?: Partial<DeliveryWorkerOptions> & {
      requestsPerSecond?: number;
      monthlyQuota?: number;
      safetyMarginMs?: number;
      /** The worker's own connection goes here instead of the test database (a proxy, say). */
      databaseUrl?: string;
      /** Replies read by polling, as an engine without a web hook reads them, with these options. */
      replyWatcher?: Partial<ReplyWatcherOptions>;
    },
  ): Promise<{
    worker: DeliveryWorker;
    gate: Chat2DeskGate;
    client: Chat2DeskClient;
    sql: Sql;
    replies: ReplyWatcher | undefined;
  }>;
  close(): Promise<void>;
}

/** A database, a sandbox sharing the test's clock, and as many workers as a test wants. */
export async function createEngineHarness(
  options: { whatsappDelayMs?: number; sandbox?: SandboxOptions } = {},
): Promise<EngineHarness> {
  const db = await createTestDatabase();
  const clock = new ManualClock(START);
  const whatsappDelayMs = options.whatsappDelayMs ?? 420_000;
  const sandbox = await startSandbox({
    port: 0,
    token: 'test-token',
    clock,
    whatsappDelayMs,
    ...options.sandbox,
  });
  const closers: Array<() => Promise<void>> = [];
  return {
    db,
    clock,
    sandbox,
    async addWorker(workerOptions = {}) {
      const sql = postgres(workerOptions.databaseUrl ?? db.url, {
        max: 4,
        onnotice: () => {},
        backoff: reconnectBackoffSeconds,
      });
      const client = new Chat2DeskClient({ baseUrl: sandbox.url, token: sandbox.token, timeoutMs: 2_000 });
      const limiter = new SharedRateLimiter({
        sql,
        name: 'chat2desk',
        perSecond: workerOptions.requestsPerSecond ?? 0,
        ...(workerOptions.safetyMarginMs !== undefined
          ? { safetyMarginMs: workerOptions.safetyMarginMs }
          : {}),
      });
      const quota = new QuotaGuard({
        sql,
        clock,
        ...(workerOptions.monthlyQuota !== undefined
          ? { monthlyQuotaOverride: workerOptions.monthlyQuota }
          : {}),
      });
      const gate = new Chat2DeskGate(limiter, quota);
      // As the engine does at start: learn the API mode (and so the quota) from api_info.
      await quota.syncFromApiInfo(await gate.callBeforeQuotaIsKnown(() => client.getApiInfo()));
      const replies = workerOptions.replyWatcher
        ? new ReplyWatcher({
            sql,
            client,
            gate,
            clock,
            monthlyQuota: async () => null,
            ...workerOptions.replyWatcher,
          })
        : undefined;
      const worker = new DeliveryWorker({
        sql,
        client,
        gate,
        clock,
        whatsappDelayMs,
        pauseCampaign: campaignPauser(sql),
        ...workerOptions,
        ...(replies ? { replies } : {}),
      });
      closers.push(async () => {
        await worker.stop();
        await replies?.stop();
        await client.close();
        await sql.end({ timeout: 5 });
      });
      return { worker, gate, client, sql, replies };
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await sandbox.close();
      await db.drop();
    },
  };
}

/**
 * Contacts 79000000000 + i, all in list `name`: every `optedOutEvery`-th opted out, every
 * `noConsentEvery`-th without consent, every `invalidEvery`-th with a phone that cannot be real.
 */
export async function seedContacts(
  sql: Sql,
  options: {
    count: number;
    list: string;
    optedOutEvery?: number;
    noConsentEvery?: number;
    invalidEvery?: number;
  },
): Promise<void> {
  const { count, list } = options;
  const out = options.optedOutEvery ?? 0;
  const noConsent = options.noConsentEvery ?? 0;
  const invalid = options.invalidEvery ?? 0;
  await sql`
    insert into contacts (phone, name, attributes, opted_in_at, opt_in_source, opted_out_at, opt_out_reason)
    select
      case when ${invalid} > 0 and i % ${invalid} = 0 then '0' || lpad(i::text, 9, '0')
           else (79000000000 + i)::text end,
      'Client ' || i,
      jsonb_build_object('firstName', 'Name' || i, 'discount', 10 + i % 20),
      case when ${noConsent} > 0 and i % ${noConsent} = 0 then null else ${START}::timestamptz - interval '30 days' end,
      'test',
      case when ${out} > 0 and i % ${out} = 0 then ${START}::timestamptz - interval '1 day' else null end,
      case when ${out} > 0 and i % ${out} = 0 then 'test' else null end
    from generate_series(1, ${count}) as i`;
  await sql`insert into lists (name) values (${list}) on conflict do nothing`;
  await sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from lists l, contacts c where l.name = ${list}
    on conflict do nothing`;
}

export async function deliveryStates(sql: Sql, campaignId: number): Promise<Record<string, number>> {
  const rows = await sql<{ state: string; n: number }[]>`
    select state, count(*)::int as n from deliveries where campaign_id = ${campaignId} group by state`;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Polls `check` every `intervalMs` until it holds; fails with `what` once `timeoutMs` has passed. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what = 'the condition',
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');

/**
 * A broadcast to `list` on `transport` (channel 1), due one minute after the clock's now: the clock is
 * moved there and the scheduler ticks once, so its run is expanded (and, for a large audience of
 * contacts without a client id, the client directory asked for). Returns the campaign's id.
 */
export async function startBroadcast(
  harness: EngineHarness,
  options: { transport: string; list: string; template?: string },
): Promise<number> {
  const at = new Date(harness.clock.now().getTime() + 60_000);
  const definition = validateCampaignDefinition(
    {
      name: `${options.transport} to ${options.list} at ${at.toISOString()}`,
      kind: 'broadcast',
      transport: options.transport,
      channelId: 1,
      template: options.template ?? 'Hi {{firstName}}',
      audience: { list: options.list },
      schedule: { at: at.toISOString() },
    },
    { now: harness.clock.now() },
  );
  const campaign = await createCampaign(harness.db, definition, {
    now: harness.clock.now(),
    templatesDir: TEMPLATES,
  });
  harness.clock.advance(60_000);
  await new Timekeeper({ sql: harness.db.sql, clock: harness.clock }).tick();
  return campaign.id;
}
