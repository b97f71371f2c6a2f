import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../src/db/embeddedPostgres.js';
import { migrate } from '../../src/db/migrator.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/freePort.js';
import { type Child, sleep, spawnCli, stopChild } from '../support/processes.js';
import { controlSandbox, readSandbox } from '../support/sandboxApi.js';

/**
 * The crash suite's driver: a broadcast through real engine processes (three workers, one scheduler)
 * against a sandbox process with faults, on a PostgreSQL of its own, while worker processes are
 * SIGKILLed and restarted and PostgreSQL is restarted. Returns what the checks need; asserts nothing.
 */
export interface CrashRunOptions {
  contacts: number;
  workers: number;
  requestsPerSecond: number;
  /** CHAT2DESK_RATE_MARGIN_MS of the engines; the engine's default if not given. */
  rateMarginMs?: number;
  /** DELIVERY_LEASE_MS of the engines: how long a killed worker's claims wait for another worker. */
  leaseMs: number;
  whatsappDelayMs: number;
  /** How long workers are killed and faults injected after the campaign is due. */
  chaosMs: number;
  /** SIGKILL a random worker every 1-3 s during the chaos. Default true. */
  killWorkers?: boolean;
  /** How many times PostgreSQL is stopped for 3 s and started again during the chaos. Default 1. */
  postgresRestarts?: number;
  /** How long, after the chaos, the engines get to settle every delivery. */
  settleTimeoutMs: number;
  faults: {
    seed: number;
    serverErrorRate: number;
    rateLimitRate: number;
    dropConnectionRate: number;
    acceptThenDropRate: number;
  };
  log?: (line: string) => void;
}

export interface SandboxMessage {
  id: number;
  clientId: number;
  type: string;
  text: string;
  transport: string;
  acceptedAt: string;
}

export interface SandboxClient {
  id: number;
  phone: string;
  transports: Array<{ transport: string; addedAt: string }>;
}

export interface DeliveryRow {
  id: string;
  phone: string;
  state: string;
  reason: string | null;
  chat2deskClientId: string | null;
  renderedText: string | null;
}

export interface CrashRunResult {
  campaignId: number;
  options: CrashRunOptions;
  figures: {
    kills: number;
    workerStarts: number;
    unexpectedExits: number;
    postgresRestarts: number;
    /** In all, over every restart. */
    postgresDownMs: number;
    messageIdSwitchedOff: boolean;
    wallMs: number;
    settledAfterMs: number | null;
    /** Sends whose answer was lost (dropped, killed) and that reconciliation found in Chat2Desk. */
    reconciledFound: number;
    /** … and that it did not find, so they were sent again. */
    reconciledNotFound: number;
    /** Sent deliveries recorded without a message_id (the v1.08 answer). */
    sentWithoutMessageId: number;
  };
  /**
   * Every engine exit we did not cause, with the end of its output. `started` false: it never got
   * going (a restart while PostgreSQL was down fails its migration check and is restarted again).
   */
  unexpectedExits: Array<{
    role: string;
    started: boolean;
    code: number | null;
    signal: string | null;
    tail: string;
  }>;
  deliveries: DeliveryRow[];
  /** Deliveries not settled at the end, with their history: what a failure message shows. */
  stuck: unknown[];
  clients: SandboxClient[];
  messages: SandboxMessage[];
  stats: { busiestSecond: number; requestCount: number; perStatus: Record<string, number> };
  report: { counts: Record<string, number>; total: number };
}

const TOKEN = 'crash-suite-token';
const STARTED = /"role":/;
const LIST = 'crash';

export async function runCrashScenario(options: CrashRunOptions): Promise<CrashRunResult> {
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const cleanups: Array<() => Promise<unknown>> = [];
  const dir = await mkdtemp(join(tmpdir(), 'broadcaster-crash-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach the data directory
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  try {
    // A PostgreSQL of this run's own: the suite stops and starts it, which the shared test server must not be.
    const pgDir = join(dir, 'postgres');
    const pgPort = await freePort();
    let pg: EmbeddedPostgresHandle = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
    cleanups.push(() => pg.stop());
    const url = pg.url;
    await migrate(url);
    const sql = postgres(url, { max: 4, onnotice: () => {} });
    cleanups.push(() => sql.end({ timeout: 5 }));
    await seedContacts(sql, options.contacts);

    const sandbox = spawnCli(sandboxArgs(options), { LOG_LEVEL: 'warn' });
    cleanups.push(() => stopChild(sandbox));
    const sandboxUrl = (await sandbox.waitFor(/"url":\s*"([^"]+)"/, 30_000))[1]!;

    const engineEnv = {
      DATABASE_URL: url,
      CHAT2DESK_API_URL: sandboxUrl,
      CHAT2DESK_TOKEN: TOKEN,
      CHAT2DESK_REQUESTS_PER_SECOND: String(options.requestsPerSecond),
      ...(options.rateMarginMs !== undefined
        ? { CHAT2DESK_RATE_MARGIN_MS: String(options.rateMarginMs) }
        : {}),
      CHAT2DESK_TIMEOUT_MS: '5000',
      DELIVERY_LEASE_MS: String(options.leaseMs),
      WHATSAPP_NEW_CLIENT_DELAY_MS: String(options.whatsappDelayMs),
      PORT: '0',
      LOG_LEVEL: 'warn',
    };
    const fleet = new Fleet(engineEnv, options.workers, log);
    cleanups.push(() => fleet.stopAll());
    await fleet.startAll();

    // Due a few seconds from now: a one-shot time in the past is refused at creation.
    const dueAt = new Date(Date.now() + 3_000);
    const campaignId = await createCampaign(dir, url, dueAt);
    log(`campaign ${campaignId} due at ${dueAt.toISOString()}`);
    await sleep(Math.max(0, dueAt.getTime() - Date.now()));

    // Chaos: a worker killed every 1-3 s, PostgreSQL restarted once, halfway through the answers lose
    // their message_id (API v1.08) so reconciliation is exercised both ways.
    const chaosEnds = Date.now() + options.chaosMs;
    const restarts = options.postgresRestarts ?? 1;
    let pgRestartAt = Date.now() + Math.min(6_000, options.chaosMs / 3);
    const messageIdOffAt = Date.now() + options.chaosMs / 2;
    let postgresRestarts = 0;
    let postgresDownMs = 0;
    let messageIdSwitchedOff = false;
    while (Date.now() < chaosEnds) {
      await sleep(1_000 + Math.random() * 2_000);
      if (options.killWorkers ?? true) fleet.killRandomWorker();
      if (!messageIdSwitchedOff && Date.now() >= messageIdOffAt) {
        await control(sandboxUrl, '/sandbox/options', { messageIdInAnswer: false });
        messageIdSwitchedOff = true;
        log('sandbox answers without message_id from now on');
      }
      if (postgresRestarts < restarts && Date.now() >= pgRestartAt) {
        const down = Date.now();
        await pg.stop();
        log('PostgreSQL stopped');
        await sleep(3_000);
        pg = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
        postgresDownMs += Date.now() - down;
        postgresRestarts++;
        log(`PostgreSQL started again after ${Date.now() - down} ms`);
        pgRestartAt = Date.now() + 2_000 + Math.random() * 3_000;
      }
    }

    // Settle: faults off, every worker up, no more kills; the engines finish on their own.
    await control(sandboxUrl, '/sandbox/faults', {
      serverErrorRate: 0,
      rateLimitRate: 0,
      dropConnectionRate: 0,
      acceptThenDropRate: 0,
      hangRate: 0,
    });
    await fleet.ensureAllRunning();
    const settleStart = Date.now();
    let settledAfterMs: number | null = null;
    while (Date.now() - settleStart < options.settleTimeoutMs) {
      const unsettled = await unsettledCount(sql, campaignId);
      if (unsettled === 0) {
        settledAfterMs = Date.now() - settleStart;
        break;
      }
      log(`${unsettled} deliveries not settled yet`);
      await sleep(2_000);
    }
    // A last moment for anything in flight (a status poll, a late answer) to land before counting.
    await sleep(1_000);

    const state = await getJson(sandboxUrl, '/sandbox/state');
    const stats = await getJson(sandboxUrl, '/sandbox/stats');
    const reportRun = await runCli(['report', String(campaignId), '--format', 'json'], { DATABASE_URL: url });
    if (reportRun.code !== 0) throw new Error(`report failed: ${reportRun.stderr}`);
    const report = JSON.parse(reportRun.stdout);
    const deliveries = await deliveryRows(sql, campaignId);
    const reconciliation = await reconciliationFigures(sql, campaignId);
    const stuck = await unsettledDetails(sql, campaignId);
    if (stuck.length) for (const line of fleet.tails()) log(line);

    return {
      campaignId,
      options,
      figures: {
        kills: fleet.kills,
        workerStarts: fleet.starts,
        unexpectedExits: fleet.unexpected.length,
        postgresRestarts,
        postgresDownMs,
        messageIdSwitchedOff,
        wallMs: Date.now() - startedAt,
        settledAfterMs,
        ...reconciliation,
      },
      unexpectedExits: fleet.unexpected,
      stuck,
      deliveries,
      clients: state.data.clients,
      messages: state.data.messages,
      stats: {
        busiestSecond: stats.data.busiestSecond,
        requestCount: stats.data.requestCount,
        perStatus: stats.data.perStatus,
      },
      report: { counts: report.counts, total: report.total },
    };
  } finally {
    while (cleanups.length) await cleanups.pop()!().catch(() => {});
  }
}

function sandboxArgs(o: CrashRunOptions): string[] {
  return [
    'sandbox',
    '--port',
    '0',
    '--token',
    TOKEN,
    '--json',
    '--whatsapp-delay-ms',
    String(o.whatsappDelayMs),
    '--fault-seed',
    String(o.faults.seed),
    '--fault-5xx-rate',
    String(o.faults.serverErrorRate),
    '--fault-429-rate',
    String(o.faults.rateLimitRate),
    '--fault-drop-rate',
    String(o.faults.dropConnectionRate),
    '--fault-accept-then-drop-rate',
    String(o.faults.acceptThenDropRate),
  ];
}

/**
 * Contacts 1..n in one list: every 10th opted out, every 7th without consent, every 23rd with a phone
 * that cannot be dialled; the rest must each get exactly one message. None is known to Chat2Desk yet,
 * so every send first creates its client and waits out the WhatsApp new-client delay.
 */
async function seedContacts(sql: Sql, count: number): Promise<void> {
  await sql`
    insert into contacts (phone, name, attributes, opted_in_at, opt_in_source, opted_out_at, opt_out_reason)
    select
      case when i % 23 = 0 then '0' || lpad(i::text, 9, '0') else (79000000000 + i)::text end,
      'Client ' || i,
      jsonb_build_object('firstName', 'Name' || i),
      case when i % 7 = 0 then null else now() - interval '30 days' end,
      'crash-suite',
      case when i % 10 = 0 then now() - interval '1 day' else null end,
      case when i % 10 = 0 then 'crash-suite' else null end
    from generate_series(1, ${count}::int) as i`;
  await sql`insert into lists (name) values (${LIST}) on conflict do nothing`;
  await sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from lists l, contacts c where l.name = ${LIST}
    on conflict do nothing`;
}

async function createCampaign(dir: string, databaseUrl: string, at: Date): Promise<number> {
  const file = join(dir, 'campaign.json');
  await writeFile(
    file,
    JSON.stringify({
      name: 'Crash suite',
      kind: 'broadcast',
      transport: 'whatsapp',
      channelId: 1,
      template: 'Hi {{firstName}}, the crash suite says hello',
      audience: { list: LIST },
      schedule: { at: at.toISOString() },
      requireOptIn: true,
    }),
  );
  const result = await runCli(['campaign', 'create', file, '--json'], { DATABASE_URL: databaseUrl });
  if (result.code !== 0) throw new Error(`campaign create failed: ${result.stderr}`);
  return JSON.parse(result.stdout).id as number;
}

/** Deliveries not yet in a final state, or none at all while the run has not been expanded. */
async function unsettledCount(sql: Sql, campaignId: number): Promise<number> {
  try {
    const [row] = await sql<{ total: number; open: number }[]>`
      select count(*)::int as total,
             (count(*) filter (where state not in ('sent', 'delivered', 'read', 'failed', 'skipped')))::int as open
      from deliveries where campaign_id = ${campaignId}`;
    return row!.total === 0 ? Number.POSITIVE_INFINITY : row!.open;
  } catch {
    return Number.POSITIVE_INFINITY; // PostgreSQL still coming back
  }
}

async function deliveryRows(sql: Sql, campaignId: number): Promise<DeliveryRow[]> {
  return sql<DeliveryRow[]>`
    select d.id::text as id, c.phone, d.state, d.reason,
           d.chat2desk_client_id::text as "chat2deskClientId", d.rendered_text as "renderedText"
    from deliveries d join contacts c on c.id = d.contact_id
    where d.campaign_id = ${campaignId}`;
}

async function unsettledDetails(sql: Sql, campaignId: number): Promise<unknown[]> {
  return sql<Record<string, unknown>[]>`
    select d.id::text, d.state, d.reason, d.attempts, d.due_at, d.next_attempt_at, d.locked_by, d.locked_at,
           d.chat2desk_client_id::text as client_id, now() as db_now,
           (select json_agg(json_build_object('from', e.from_state, 'to', e.to_state, 'reason', e.reason,
                                              'details', e.details, 'at', e.at) order by e.id)
              from delivery_events e where e.delivery_id = d.id) as events
    from deliveries d
    where d.campaign_id = ${campaignId} and d.state not in ('sent', 'delivered', 'read', 'failed', 'skipped')
    limit 5`;
}

async function reconciliationFigures(sql: Sql, campaignId: number) {
  const [row] = await sql<{ found: number; notFound: number; withoutId: number }[]>`
    select
      (select count(*)::int from delivery_events e join deliveries d on d.id = e.delivery_id
        where d.campaign_id = ${campaignId} and e.to_state = 'sent' and e.details ? 'reconciled') as found,
      (select count(*)::int from delivery_events e join deliveries d on d.id = e.delivery_id
        where d.campaign_id = ${campaignId} and e.details ->> 'reconciled' = 'not_found') as "notFound",
      (select count(*)::int from deliveries
        where campaign_id = ${campaignId} and state = 'sent' and chat2desk_message_id is null) as "withoutId"`;
  return {
    reconciledFound: row!.found,
    reconciledNotFound: row!.notFound,
    sentWithoutMessageId: row!.withoutId,
  };
}

const control = (base: string, path: string, body: unknown) => controlSandbox(base, TOKEN, path, body);
const getJson = (base: string, path: string) => readSandbox(base, TOKEN, path);

/** The engine processes: workers in slots that are killed and restarted, and one scheduler left alone. */
export class Fleet {
  kills = 0;
  starts = 0;
  readonly unexpected: CrashRunResult['unexpectedExits'] = [];
  readonly #workers: Array<Child | undefined>;
  #scheduler: Child | undefined;
  readonly #killedByUs = new WeakSet<Child>();
  readonly #started = new WeakSet<Child>();
  #stopping = false;

  constructor(
    private readonly env: Record<string, string>,
    count: number,
    private readonly log: (line: string) => void,
  ) {
    this.#workers = Array.from({ length: count }, () => undefined);
  }

  async startAll(): Promise<void> {
    this.#scheduler = this.#spawn('scheduler', () => {});
    for (let slot = 0; slot < this.#workers.length; slot++) this.#startWorker(slot);
    await Promise.all([this.#scheduler, ...this.#workers].map((c) => c!.waitFor(STARTED, 60_000)));
  }

  killRandomWorker(): void {
    const alive = this.#workers.map((c, slot) => ({ c, slot })).filter(({ c }) => c?.alive());
    const victim = alive[Math.floor(Math.random() * alive.length)];
    if (!victim) return;
    this.#killedByUs.add(victim.c!);
    victim.c!.process.kill('SIGKILL');
    this.kills++;
    this.log(`SIGKILL worker slot ${victim.slot} (pid ${victim.c!.process.pid})`);
  }

  /** Waits until every slot has a worker that has started (a restart may have failed while PostgreSQL was down). */
  async ensureAllRunning(): Promise<void> {
    for (let attempt = 0; attempt < 60; attempt++) {
      const ready = this.#workers.every((c) => c?.alive() && this.#started.has(c));
      if (ready) return;
      await sleep(500);
    }
    throw new Error('the workers did not all come back up');
  }

  /** The end of each running engine's output, for a failure's diagnosis. */
  tails(): string[] {
    return [this.#scheduler, ...this.#workers].map(
      (c) => `--- pid ${c?.process.pid}: ${c?.tail().slice(-4000)}`,
    );
  }

  async stopAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all([this.#scheduler, ...this.#workers].map((c) => (c ? stopChild(c) : undefined)));
  }

  #startWorker(slot: number): void {
    // A restart is as in production: a supervisor starts the process again, whatever ended it.
    this.#workers[slot] = this.#spawn('worker', () => {
      if (!this.#stopping) setTimeout(() => this.#stopping || this.#startWorker(slot), 300);
    });
  }

  #spawn(role: 'worker' | 'scheduler', onExit: () => void): Child {
    // --json prints {"role", …} once the engine is up: the sign it started.
    const child = spawnCli(['start', '--role', role, '--json'], this.env);
    this.starts++;
    let started = false;
    child.waitFor(STARTED, 24 * 3600_000).then(
      () => {
        started = true;
        this.#started.add(child);
      },
      () => {},
    );
    child.exited.then(({ code, signal }) => {
      if (!this.#stopping && !this.#killedByUs.has(child)) {
        this.unexpected.push({ role, started, code, signal, tail: child.tail() });
        this.log(`${role} exited by itself (${code ?? signal}), ${started ? 'after' : 'before'} starting`);
        if (started) this.log(child.tail().slice(-3000));
      }
      onExit();
    });
    return child;
  }
}
