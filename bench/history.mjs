// History benchmark: what reviewers and workers pay for the deliveries of the past.
//
//   npm run build && node bench/history.mjs [--history 10000000] [--campaign 1000000] [--paused 1000000]
//                                           [--repeat 20] [--claim-repeat 200]
//
// Two databases on the same server, measured in the same run:
//   empty    a running campaign of 1,000 due deliveries, and a finished one of 1,000 to report on;
//   history  the same, plus `--history` deliveries of finished campaigns (the reported campaign holds
//            `--campaign` of them) and a paused campaign holding `--paused` due deliveries.
// Measured on each: the report of the finished campaign (campaignReport, in-process), its dashboard page
// and GET /metrics (the engine's HTTP server, over real HTTP), and a claim of 100 deliveries
// (claimDueDeliveries, released after each). Medians and worst of `--repeat` tries, and history ÷ empty.
// Then the claim alone with the paused deliveries, with them moved aside, and with them back
// (`--claim-repeat` tries each: a claim takes a few milliseconds, most of them round trips, so
// its median needs more tries than the others to be steady).
// With DATABASE_URL, scratch databases are created on that server (and dropped); without it an
// embedded PostgreSQL is started. Seeding 10,000,000 deliveries takes minutes.
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { systemClock } from '../dist/clock.js';
import { connectDatabase } from '../dist/db/database.js';
import { migrate } from '../dist/db/migrator.js';
import {
  claimDueDeliveries,
  measureClaim,
  releaseDeliveries,
} from '../dist/delivery/sql/claimDueDeliveries.js';
import { buildHttpServer } from '../dist/http/server.js';
import { silentLogger } from '../dist/logger.js';
import { campaignReport } from '../dist/reports/campaignReport.js';
import { admin, startServer, withDatabase } from './support.mjs';

const { values } = parseArgs({
  options: {
    history: { type: 'string', default: '10000000' },
    campaign: { type: 'string', default: '1000000' },
    paused: { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '20' },
    'claim-repeat': { type: 'string', default: '200' },
  },
});
const history = positive('history');
const campaignSize = positive('campaign');
const paused = positive('paused');
const repeat = positive('repeat');
const claimRepeat = positive('claim-repeat');
if (campaignSize > history) throw new Error('--campaign: more than --history');
const SMALL = 1000;
const CONTACTS = Math.max(campaignSize, paused, SMALL, Math.min(history, 1_000_000));

function positive(name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: not a positive integer: ${values[name]}`);
  return n;
}

const server = await startServer();
const made = [];
try {
  const empty = await measure(await seededDatabase('empty', { history: 0, campaignSize: SMALL, paused: 0 }));
  const seeded = await seededDatabase('history', { history, campaignSize, paused });
  const full = await measure(seeded);
  // What the paused campaign's due deliveries cost a claim, alone: the same database with them (A),
  // with them moved aside (B) and with them back (A again), each after a vacuum, as autovacuum keeps
  // a live table, so that neither side is measured over the other's dead rows.
  const claim = ['claim of 100 (running campaign)'];
  await vacuumed(seeded.url, []);
  const before = await claimFigures(seeded, claim);
  await vacuumed(seeded.url, [
    `create table paused_aside as select d.* from deliveries d join campaigns k on k.id = d.campaign_id and k.status = 'paused'`,
    `delete from deliveries d using campaigns k where k.id = d.campaign_id and k.status = 'paused'`,
  ]);
  const without = await claimFigures(seeded, claim);
  await vacuumed(seeded.url, [
    'insert into deliveries select * from paused_aside',
    'drop table paused_aside',
  ]);
  const after = await claimFigures(seeded, claim);
  const ratio = (pick) => ((pick(before) + pick(after)) / 2 / pick(without)).toFixed(2);
  console.log('');
  console.log(
    `claim of 100 with ${paused.toLocaleString('en')} paused due deliveries, ${claimRepeat} tries each: median / worst as the client`,
  );
  console.log(
    "sees it; the server's own execution time and pages touched (EXPLAIN ANALYZE, rolled back), medians:",
  );
  for (const [label, f] of [
    ['with them      ', before],
    ['moved aside    ', without],
    ['with them again', after],
  ]) {
    console.log(
      `  ${label} ${fmt(f.client)}   server ${f.server.executionMs.toFixed(2)} ms, ${f.server.pages} pages`,
    );
  }
  console.log(
    `  with ÷ without (the mean of the two with them): client ${ratio((f) => f.client.median)}×, server ${ratio((f) => f.server.executionMs)}×, pages ${ratio((f) => f.server.pages)}×`,
  );
  console.log('');
  console.log(`what (median / worst of ${repeat})        empty history          with history          ratio`);
  for (const key of Object.keys(empty)) {
    const e = empty[key];
    const f = full[key];
    console.log(`${key.padEnd(34)} ${fmt(e)}   ${fmt(f)}   ${(f.median / e.median).toFixed(2)}×`);
  }
} finally {
  for (const name of made) await admin(server.url, `drop database if exists "${name}" with (force)`);
  await server.stop();
}

function fmt({ median, worst }) {
  return `${median.toFixed(1).padStart(8)} ms / ${worst.toFixed(1).padStart(8)} ms`;
}

/**
 * A migrated database with: contacts; a running SMS campaign of 1,000 due deliveries (the claims'); a
 * completed campaign of `campaignSize` deliveries in a realistic mix of outcomes (the report's); other
 * completed campaigns up to `history`; a paused campaign of `paused` due deliveries.
 */
async function seededDatabase(label, shape) {
  const name = `broadcaster_history_${label}_${process.pid}`;
  await admin(server.url, `drop database if exists "${name}" with (force)`);
  await admin(server.url, `create database "${name}"`);
  made.push(name);
  const url = withDatabase(server.url, name);
  await migrate(url);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const started = performance.now();
  try {
    await sql`
      insert into contacts (phone, opted_in_at, opt_in_source)
      select (79000000000 + g)::text, now() - interval '30 days', 'bench' from generate_series(1, ${CONTACTS}) g`;
    const campaign = async (status, size, kind) => {
      const [c] = await sql`
        insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
        values (${`${kind} ${status} ${size}`}, 'broadcast', ${status}, 'whatsapp', 1, '{}', 'Hi') returning id`;
      const [r] = await sql`
        insert into campaign_runs (campaign_id, scheduled_for, status)
        values (${c.id}, now() - interval '2 days', ${status === 'completed' ? 'completed' : 'running'}) returning id`;
      return { campaignId: c.id, runId: r.id };
    };
    // Deliveries in chunks of at most 1,000,000 contacts (one run each), finished in a realistic mix.
    const finished = async (home, size) => {
      for (let done = 0; done < size; ) {
        const n = Math.min(size - done, CONTACTS);
        const target = done === 0 ? home : await campaign('completed', n, 'history');
        await sql`
          insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at,
                                  transport, channel_id, sent_at, attempts)
          select ${target.runId}, ${target.campaignId}, g,
                 (case when g % 50 = 0 then 'failed' when g % 20 = 0 then 'skipped'
                       when g % 3 = 0 then 'read' when g % 3 = 1 then 'delivered' else 'sent' end)::delivery_state,
                 case when g % 50 = 0 then 'attempts_exhausted:server_error' when g % 20 = 0 then 'opted_out' end,
                 now() - interval '2 days', now() - interval '2 days', 'whatsapp', 1,
                 case when g % 50 <> 0 and g % 20 <> 0
                      then now() - interval '2 days' + (g % 7200) * interval '1 second' end, 1
          from generate_series(1, ${n}) g`;
        done += n;
      }
    };
    const reported = await campaign('completed', shape.campaignSize, 'reported');
    await finished(reported, shape.campaignSize);
    if (shape.history > shape.campaignSize)
      await finished(await campaign('completed', 0, 'history'), shape.history - shape.campaignSize);
    if (shape.paused > 0) {
      const home = await campaign('paused', shape.paused, 'paused');
      await sql`
        insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport, channel_id)
        select ${home.runId}, ${home.campaignId}, g, now() - interval '1 hour', now() - interval '1 hour', 'whatsapp', 1
        from generate_series(1, ${shape.paused}) g`;
    }
    const running = await campaign('running', SMALL, 'running');
    await sql`
      insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport, channel_id)
      select ${running.runId}, ${running.campaignId}, g, now() - interval '1 minute', now() - interval '1 minute', 'whatsapp', 1
      from generate_series(1, ${SMALL}) g`;
    await sql`vacuum analyze`;
    const [{ n }] = await sql`select count(*)::int as n from deliveries`;
    console.log(
      `${label.padEnd(8)} ${n.toLocaleString('en')} deliveries seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return { url, reportedCampaign: reported.campaignId };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The claim as the client sees it, and the server's own figures for it (medians of `claimRepeat`). */
async function claimFigures(seeded, claim) {
  const client = (await measure(seeded, claim, claimRepeat))[claim[0]];
  const db = connectDatabase(seeded.url, { max: 1 });
  try {
    const options = { workerId: 'bench', now: new Date(), limit: 100, leaseMs: 60_000 };
    await measureClaim(db.sql, options);
    const costs = [];
    for (let i = 0; i < claimRepeat; i++) costs.push(await measureClaim(db.sql, options));
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    return {
      client,
      server: {
        executionMs: median(costs.map((c) => c.executionMs)),
        pages: median(costs.map((c) => c.sharedHit + c.sharedRead)),
      },
    };
  } finally {
    await db.close();
  }
}

/**
 * Runs `statements` on the database, then vacuums and analyzes it and writes a checkpoint: the
 * vacuum of an 11,000,000-row database leaves dirty pages whose writing would otherwise fall into the
 * next measurement (the first one after it measured 7.0 ms, the same claim 5.0 ms later).
 */
async function vacuumed(url, statements) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const statement of statements) await sql.unsafe(statement);
    await sql`vacuum analyze`;
    await sql`checkpoint`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function measure({ url, reportedCampaign }, only, tries = repeat) {
  const db = connectDatabase(url, { max: 4 });
  const app = buildHttpServer({
    sql: db.sql,
    clock: systemClock,
    logger: silentLogger,
    webhookSecret: 'bench',
    db,
    metrics: {},
    dashboard: true,
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const page = async (path) => {
      const response = await fetch(`${base}${path}`);
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
      await response.text();
    };
    const measures = {
      'report (campaignReport)': () => timed(tries, () => campaignReport(db.sql, reportedCampaign)),
      'dashboard page of that campaign': () => timed(tries, () => page(`/campaigns/${reportedCampaign}`)),
      'GET /metrics': () => timed(tries, () => page('/metrics')),
      'claim of 100 (running campaign)': () =>
        timed(tries, async () => {
          const claimed = await claimDueDeliveries(db.sql, {
            workerId: 'bench',
            now: new Date(),
            limit: 100,
            leaseMs: 60_000,
          });
          if (claimed.length !== 100) throw new Error(`claimed ${claimed.length}, not 100`);
          const started = performance.now();
          await releaseDeliveries(db.sql, claimed, 'bench');
          return performance.now() - started; // the release is not the claim's time
        }),
    };
    const figures = {};
    for (const [key, run] of Object.entries(measures))
      if (!only || only.includes(key)) figures[key] = await run();
    return figures;
  } finally {
    await app.close();
    await db.close();
  }
}

/** Median and worst of `tries` runs after one warm-up; a run may return time to leave out. */
async function timed(tries, run) {
  await run();
  const times = [];
  for (let i = 0; i < tries; i++) {
    const started = performance.now();
    const excluded = await run();
    times.push(performance.now() - started - (typeof excluded === 'number' ? excluded : 0));
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], worst: times.at(-1) };
}
