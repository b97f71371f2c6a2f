import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAppointments } from '../../src/appointments/appointments.js';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { type Engine, startEngine } from '../../src/engine.js';
import { ENGINE_POOL_SIZE } from '../../src/roles/engineDatabase.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START, seedContacts } from '../support/engineHarness.js';
import { type Child, spawnCli, stopChild } from '../support/processes.js';
import { controlSandbox } from '../support/sandboxApi.js';

/**
 * The soak: one engine (every role in one process, as `broadcaster start` runs it) through an hour of
 * engine time, a minute at a time on the injectable clock: recurring SMS and Viber broadcasts, a
 * reminder campaign fed new, moved and cancelled appointments every five minutes, STOP replies, status
 * polling, and the HTTP API and /metrics read at every step. Memory and database connections are
 * sampled every five minutes; nothing may grow once warmed up. The sandbox runs in a process of its
 * own (it keeps every message, so it must grow) with its clock moved along with the engine's.
 *
 * `SOAK_MINUTES=1440 npx vitest run test/soak` runs a day of engine time instead.
 */
const MINUTES = Number(process.env.SOAK_MINUTES ?? 60);
const SAMPLE_EVERY = 5;
/** Samples before this minute are the warm-up: pools fill, code is compiled, caches settle. */
const WARM_UP_MINUTES = 15;
const CONTACTS = 300;
const MINUTE = 60_000;
const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');

interface Sample {
  minute: number;
  heapUsedMb: number;
  rssMb: number;
  connections: number;
  /** The engine's own (its pool and its LISTEN), the test's left out. */
  engineConnections: number;
  handles: number;
}

const gc = exposeGc();
let db: TestDatabase;
let engine: Engine;
let sandbox: Child;
let sandboxUrl: string;
const SANDBOX_TOKEN = 'soak-token';
const clock = new ManualClock(START);
const samples: Sample[] = [];
let campaigns: { every5: number; viber: number; reminder: number };

beforeAll(async () => {
  db = await createTestDatabase();
  await seedContacts(db.sql, { count: CONTACTS, list: 'soak' });
  sandbox = spawnCli(['sandbox', '--port', '0', '--token', SANDBOX_TOKEN, '--json'], { LOG_LEVEL: 'warn' });
  sandboxUrl = (await sandbox.waitFor(/"url":\s*"([^"]+)"/, 30_000))[1]!;
  await control('/sandbox/clock', { set: START.toISOString() });
  const config = loadConfig({
    DATABASE_URL: db.url,
    CHAT2DESK_API_URL: sandboxUrl,
    CHAT2DESK_TOKEN: SANDBOX_TOKEN,
    CHAT2DESK_REQUESTS_PER_SECOND: '0',
    WHATSAPP_NEW_CLIENT_DELAY_MS: '0',
    PORT: '0',
  });
  engine = await startEngine({ config, clock });
  campaigns = {
    every5: await create({
      name: 'Every five minutes',
      transport: 'sms',
      schedule: { cron: '*/5 * * * *', timezone: 'UTC' },
    }),
    viber: await create({
      name: 'Quarter-hourly Viber',
      transport: 'viber',
      channelId: 1,
      schedule: { cron: '*/15 * * * *', timezone: 'UTC' },
    }),
    reminder: await create({
      name: 'Visit reminder',
      kind: 'reminder',
      transport: 'sms',
      template: '{{default firstName name}}, see you at {{formatTime appointment.startsAt}}',
      offsets: ['-30m', '-10m'],
      requireOptIn: false,
      audience: undefined,
      schedule: undefined,
    }),
  };

  for (let minute = 1; minute <= MINUTES; minute++) {
    if (minute % 5 === 0) await bookAppointments(minute);
    if (minute % 7 === 0) await replyStop(phoneOf(minute));
    clock.advance(MINUTE);
    await control('/sandbox/clock', { advanceMs: MINUTE });
    await engine.timekeeper!.tick();
    await settled();
    await engine.statusPoller!.pollOnce();
    await engine.replyWatcher!.tick();
    await readApi();
    if (minute % SAMPLE_EVERY === 0) samples.push(await sample(minute));
  }
  console.log(`soak samples (${MINUTES} minutes of engine time): ${JSON.stringify(samples)}`);
}, 900_000);

afterAll(async () => {
  await engine?.stop();
  if (sandbox) await stopChild(sandbox);
  await db?.drop();
});

const control = (path: string, body: unknown) => controlSandbox(sandboxUrl, SANDBOX_TOKEN, path, body);

/** The contact, already a Chat2Desk client from the earlier broadcasts, writes STOP. */
async function replyStop(phone: string): Promise<void> {
  const [contact] = await db.sql<{ clientId: string }[]>`
    select chat2desk_client_id::text as "clientId" from contacts where phone = ${phone}`;
  await control(`/sandbox/clients/${contact!.clientId}/reply`, {
    text: 'STOP',
    transport: 'sms',
    channelId: 1,
  });
}

async function create(overrides: Record<string, unknown>): Promise<number> {
  const definition = validateCampaignDefinition(
    Object.fromEntries(
      Object.entries({
        kind: 'broadcast',
        template: 'Hi {{firstName}}, the soak says hello',
        audience: { list: 'soak' },
        ...overrides,
      }).filter(([, value]) => value !== undefined),
    ),
    { now: clock.now() },
  );
  const campaign = await createCampaign(engine.db, definition, { now: clock.now(), templatesDir: TEMPLATES });
  return campaign.id;
}

const phoneOf = (i: number) => String(79_000_000_000 + (((i - 1) % CONTACTS) + 1));

/** Twenty new appointments 40 minutes ahead; three of five minutes ago moved, one of ten minutes ago cancelled. */
async function bookAppointments(minute: number): Promise<void> {
  const now = clock.now();
  const batch = Array.from({ length: 20 }, (_, k) => ({
    externalId: `visit-${minute}-${k}`,
    phone: phoneOf(minute * 20 + k),
    startsAt: new Date(now.getTime() + 40 * MINUTE),
  }));
  const moved = Array.from({ length: 3 }, (_, k) => ({
    externalId: `visit-${minute - 5}-${k}`,
    phone: phoneOf((minute - 5) * 20 + k),
    startsAt: new Date(now.getTime() + 50 * MINUTE),
  }));
  const cancelled = {
    externalId: `visit-${minute - 10}-19`,
    phone: phoneOf((minute - 10) * 20 + 19),
    startsAt: new Date(now.getTime() + 30 * MINUTE),
    status: 'cancelled' as const,
  };
  await upsertAppointments(
    db.sql,
    [...batch, ...(minute > 5 ? moved : []), ...(minute > 10 ? [cancelled] : [])],
    {
      now,
    },
  );
}

/** Waits (real time) until the engine has done everything due by the engine clock. */
async function settled(): Promise<void> {
  const now = clock.now();
  for (;;) {
    const [row] = await db.sql<{ open: number }[]>`
      select (select count(*) from campaign_runs where status in ('pending', 'expanding'))::int
           + (select count(*) from chat2desk_client_directory where status <> 'idle')::int
           + (select count(*) from deliveries
               where state = 'sending' or (state in ('queued', 'waiting') and next_attempt_at <= ${now}))::int as open`;
    if (row!.open === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readApi(): Promise<void> {
  for (const path of ['/api/v1/campaigns', `/api/v1/campaigns/${campaigns.every5}/report`, '/metrics']) {
    const res = await fetch(`${engine.httpUrl}${path}`);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
}

async function sample(minute: number): Promise<Sample> {
  gc();
  const memory = process.memoryUsage();
  const [row] = await db.sql<{ n: number; engine: number }[]>`
    select count(*)::int as n, count(*) filter (where application_name <> 'broadcaster-test')::int as engine
    from pg_stat_activity where datname = current_database()`;
  return {
    minute,
    heapUsedMb: round(memory.heapUsed / 2 ** 20),
    rssMb: round(memory.rss / 2 ** 20),
    connections: row!.n,
    engineConnections: row!.engine,
    handles: process.getActiveResourcesInfo().length,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** A full garbage collection on demand, so heap samples compare live objects, not garbage. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as (() => void) | undefined;
  return () => {
    collect?.();
    collect?.();
  };
}

describe(`an hour of engine time (${MINUTES} minutes) of recurring campaigns and reminders`, () => {
  it('did the hour’s work: one run per cron instant, every delivery final or not yet due', async () => {
    const runs = await db.sql<{ campaign_id: number; n: number }[]>`
      select campaign_id, count(*)::int as n from campaign_runs group by campaign_id`;
    const runsOf = Object.fromEntries(runs.map((r) => [r.campaign_id, r.n]));
    expect(runsOf[campaigns.every5]).toBe(Math.floor(MINUTES / 5));
    expect(runsOf[campaigns.viber]).toBe(Math.floor(MINUTES / 15));
    const states = await db.sql<{ state: string; n: number }[]>`
      select state, count(*)::int as n from deliveries group by state`;
    const byState = Object.fromEntries(states.map((s) => [s.state, s.n]));
    expect(byState.sent! + (byState.delivered ?? 0) + (byState.read ?? 0)).toBeGreaterThan(
      (MINUTES / 5) * CONTACTS * 0.9,
    );
    expect(byState.sending ?? 0).toBe(0);
    expect(byState.failed ?? 0).toBe(0);
    const [reminders] = await db.sql<{ sent: number; cancelled: number }[]>`
      select count(*) filter (where state in ('sent', 'delivered', 'read'))::int as sent,
             count(*) filter (where reason = 'appointment_cancelled')::int as cancelled
      from deliveries where campaign_id = ${campaigns.reminder}`;
    expect(reminders!.sent).toBeGreaterThan(0);
    expect(reminders!.cancelled).toBeGreaterThan(0);
    const [optedOut] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from contacts where opted_out_at is not null`;
    expect(optedOut!.n).toBe(Math.floor(MINUTES / 7));
  });

  it('keeps memory flat after the warm-up', () => {
    const warm = samples.filter((s) => s.minute >= WARM_UP_MINUTES);
    const first = warm[0]!;
    const last = warm.at(-1)!;
    expect(last.heapUsedMb - first.heapUsedMb, JSON.stringify(warm)).toBeLessThan(2.5);
  });

  it('keeps the database connections within the pool and open handles flat after the warm-up', () => {
    const warm = samples.filter((s) => s.minute >= WARM_UP_MINUTES);
    const first = warm[0]!;
    for (const s of warm) {
      // The pools open connections as the work asks for them, up to their size (two pools and a
      // LISTEN, connectDatabase): a busier minute after the warm-up may add one, a leak would not stop.
      expect(s.engineConnections, JSON.stringify(warm)).toBeLessThanOrEqual(2 * ENGINE_POOL_SIZE + 1);
      expect(s.engineConnections, JSON.stringify(warm)).toBeLessThanOrEqual(first.engineConnections + 2);
      expect(s.handles, JSON.stringify(warm)).toBeLessThanOrEqual(first.handles + 2);
    }
  });
});
