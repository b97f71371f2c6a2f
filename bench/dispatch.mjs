// Dispatch benchmark: end-to-end sends per second from due deliveries to the Chat2Desk sandbox, rate
// limit off, clients already known (one request per delivery), with 1, 2 and 4 engine processes, and
// the peer on the same workload in the same run.
//
//   npm run build && node bench/dispatch.mjs [--deliveries 100000] [--processes 1,2,4] [--peer-processes 1]
//                                             [--concurrency 128]
//
// The sandbox runs as its own process (`broadcaster sandbox`), as Chat2Desk would be. Each round gets
// fresh work due at one instant (t0), after every process has connected; the clock runs from t0 to the
// last `sent` write. The peer: graphile-worker 0.16 (bulk `add_jobs`, quiet logger, the same
// concurrency), one job per message doing the same POST /v1/messages and then one state write.
// Prints figures; nothing passes or fails.
import { parseArgs } from 'node:util';
import { Logger, runMigrations } from 'graphile-worker';
import postgres from 'postgres';
import { Pool } from 'undici';
import { systemClock } from '../dist/clock.js';
import { expandCampaignRun } from '../dist/scheduler/expandCampaignRun.js';
import { Timekeeper } from '../dist/scheduler/timekeeper.js';
import { finishDispatchers, scratchDatabase, spawnDispatchers, startSandboxProcess } from './support.mjs';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '100000' },
    processes: { type: 'string', default: '1,2,4' },
    'peer-processes': { type: 'string', default: '1' },
    // For both engines; the engine's own default is lower (DEFAULT_CONCURRENCY in src/delivery/worker.ts).
    concurrency: { type: 'string', default: '128' },
  },
});
const count = Number(values.deliveries);
const processCounts = values.processes.split(',').filter(Boolean).map(Number);
const peerProcessCounts = values['peer-processes'].split(',').filter(Boolean).map(Number);
const TOKEN = 'bench-token';
const LATER = "now() + interval '1 hour'";

const sandbox = await startSandboxProcess(TOKEN);
const db = await scratchDatabase();
const sql = postgres(db.url, { max: 4, onnotice: () => {} });
const results = [];
try {
  console.log(`creating ${count.toLocaleString('en')} clients in the sandbox…`);
  const clientIds = await createClients(sandbox.url, count);
  await seedContacts(sql, clientIds);
  for (const processes of processCounts) results.push(await roundOurs(processes));
  if (peerProcessCounts.length) {
    await runMigrations({ connectionString: db.url, logger: new Logger(() => () => {}) });
    await sql`create table peer_messages (id int primary key, client_id bigint not null, state text not null,
                                          message_id bigint, sent_at timestamptz)`;
    for (const processes of peerProcessCounts) results.push(await roundPeer(processes, clientIds));
  }
  console.log('');
  console.log(
    'engine            processes  sends/s   due→sent p50 / p99      requests/delivery  peak RSS/process',
  );
  for (const r of results) {
    console.log(
      `${r.engine.padEnd(17)} ${String(r.processes).padEnd(10)} ${String(Math.round(r.perSecond)).padEnd(9)} ` +
        `${`${r.p50.toFixed(0)} ms / ${r.p99.toFixed(0)} ms`.padEnd(23)} ${r.requestsPerDelivery.toFixed(3).padEnd(18)} ${r.peakRssMb} MB`,
    );
  }
  const ours1 = results.find((r) => r.engine === 'broadcaster' && r.processes === 1);
  const peer1 = results.find((r) => r.engine === 'graphile-worker' && r.processes === 1);
  if (ours1 && peer1)
    console.log(`ratio (1 process) ${(ours1.perSecond / peer1.perSecond).toFixed(2)}× the peer`);
  console.log(`JSON ${JSON.stringify(results)}`);
} finally {
  await sql.end({ timeout: 5 });
  await db.drop();
  sandbox.stop();
}

async function roundOurs(processes) {
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values (${`bench ${processes}`}, 'broadcast', 'running', 'sms', 1, '{}', 'Hi {{firstName}}, this is a benchmark')
    returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, ${sql.unsafe(LATER)}) returning id`;
  await expandCampaignRun(sql, run.id, { now: new Date() });
  const children = await spawnDispatchers(processes, childEnv('broadcaster'));
  const t0 = new Date(Date.now() + 2_000);
  // The rows made so far, and those the scheduler makes from the audience blocks during the round.
  await sql`update campaign_runs set scheduled_for = ${t0} where id = ${run.id}`;
  await sql`update deliveries set due_at = ${t0}, next_attempt_at = ${t0} where run_id = ${run.id}`;
  // The scheduler's part, as `broadcaster start` runs it beside the workers: every second, it makes
  // the audience's next blocks into rows while fewer than 20,000 are due (src/delivery/sql/audienceBlocks.ts).
  const timekeeper = new Timekeeper({ sql, clock: systemClock });
  timekeeper.start();
  const figures = await finishDispatchers(children, async () => {
    // The kept counts (a few rows), not a count over the run's deliveries: this poll must not take
    // the database's time from the engine it measures.
    const [{ n }] = await sql`
      select coalesce(sum(n), 0)::int as n from delivery_counts
      where run_id = ${run.id} and state in ('queued', 'waiting', 'sending')`;
    return n;
  });
  await timekeeper.stop();
  const [row] = await sql`
    select count(*)::int as sent, extract(epoch from max(sent_at) - ${t0}::timestamptz) as seconds,
           percentile_cont(0.5) within group (order by extract(epoch from sent_at - due_at) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from sent_at - due_at) * 1000) as p99
    from deliveries where run_id = ${run.id} and state = 'sent'`;
  return summarise('broadcaster', processes, row, figures);
}

async function roundPeer(processes, clientIds) {
  await sql`truncate peer_messages`;
  await sql`
    insert into peer_messages (id, client_id, state)
    select g, ids[g], 'queued' from generate_series(1, ${count}::int) g, (select ${clientIds}::bigint[] as ids) c`;
  // The same bulk enqueue the expansion benchmark measures, due later; made due at t0 like ours.
  await sql`
    select count(*) from graphile_worker.add_jobs(array(
      select row('send', json_build_object('id', id, 'clientId', client_id, 'text', 'Hi N' || id || ', this is a benchmark'),
                 null, ${sql.unsafe(LATER)}, null, null, null, null)::graphile_worker.job_spec
      from peer_messages))`;
  const children = await spawnDispatchers(processes, childEnv('graphile-worker'));
  const t0 = new Date(Date.now() + 2_000);
  await sql`update graphile_worker._private_jobs set run_at = ${t0}`;
  const figures = await finishDispatchers(children, async () => {
    // A count over the table (an index on state would slow the peer's own writes), once a second.
    const [{ n }] = await sql`select count(*)::int as n from peer_messages where state = 'queued'`;
    return n;
  });
  const [row] = await sql`
    select count(*)::int as sent, extract(epoch from max(sent_at) - ${t0}::timestamptz) as seconds,
           percentile_cont(0.5) within group (order by extract(epoch from sent_at - ${t0}::timestamptz) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from sent_at - ${t0}::timestamptz) * 1000) as p99
    from peer_messages where state = 'sent'`;
  return summarise('graphile-worker', processes, row, figures);
}

function childEnv(engine) {
  return {
    ENGINE: engine,
    DATABASE_URL: db.url,
    SANDBOX_URL: sandbox.url,
    TOKEN,
    CONCURRENCY: values.concurrency,
  };
}

function summarise(engine, processes, row, figures) {
  const requests = figures.reduce((n, f) => n + f.requests, 0);
  const result = {
    engine,
    processes,
    sent: row.sent,
    seconds: Number(row.seconds),
    perSecond: row.sent / Number(row.seconds),
    p50: Number(row.p50),
    p99: Number(row.p99),
    requestsPerDelivery: requests / row.sent,
    peakRssMb: Math.max(...figures.map((f) => f.peakRssMb)),
  };
  console.log(
    `${engine}, ${processes} process(es): ${row.sent.toLocaleString('en')} sent in ${result.seconds.toFixed(2)} s = ${Math.round(result.perSecond).toLocaleString('en')}/s`,
  );
  return result;
}

/** The clients exist in Chat2Desk before the campaign, as for a company's regular customers. */
async function createClients(url, n) {
  const pool = new Pool(url, { connections: 32 });
  const ids = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        const res = await pool.request({
          method: 'POST',
          path: `/v1/clients?phone=${79000000000 + i + 1}&transport=sms`,
          headers: { authorization: TOKEN },
        });
        ids[i] = (await res.body.json()).data.id;
      }
    }),
  );
  await pool.close();
  return ids;
}

async function seedContacts(sql, clientIds) {
  await sql`
    insert into contacts (phone, opted_in_at, attributes, chat2desk_client_id, chat2desk_transports)
    select (79000000000 + g)::text, now(), jsonb_build_object('firstName', 'N' || g), ids[g], '{sms}'
    from generate_series(1, ${clientIds.length}::int) g, (select ${clientIds}::bigint[] as ids) c`;
  await sql`analyze`;
}
