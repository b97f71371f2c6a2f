// The engine as users run it (`broadcaster start --role worker`, defaults but the rate limit off, its
// status poller included) against the sandbox process:
//
//   npm run build && node bench/engine.mjs [--contacts 2000] [--latency-deliveries 300]
//
// 1. API efficiency: Chat2Desk requests per delivered message, counted by the sandbox, for a
//    broadcast to contacts whose client id is known, one to contacts already in Chat2Desk but new to
//    us (the engine learns the client directory first), and one to contacts new to Chat2Desk, status
//    polling included (the engine keeps running 20 s after the last send), beside the naive approach
//    (look the client up, create it when missing, send, poll the message's status).
// 2. Scheduling latency with the queue idle: deliveries due one by one, 100 ms apart, to an idle
//    engine; from each due time to its send starting (`sending_at`).
// Prints figures; nothing passes or fails.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { request } from 'undici';
import { expandCampaignRun } from '../dist/scheduler/expandCampaignRun.js';
import { scratchDatabase, startSandboxProcess } from './support.mjs';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '2000' },
    'latency-deliveries': { type: 'string', default: '300' },
  },
});
const contacts = Number(values.contacts);
const latencyCount = Number(values['latency-deliveries']);
const TOKEN = 'bench-token';
const POLL_TAIL_MS = 20_000;

const sandbox = await startSandboxProcess(TOKEN);
const db = await scratchDatabase();
const sql = postgres(db.url, { max: 4, onnotice: () => {} });
let engine;
try {
  // Contacts 1..n are new to Chat2Desk; n+1..2n get their client created up front (known ids);
  // 2n+1..3n are Chat2Desk clients already whose ids the engine does not know (existing).
  await sql`
    insert into contacts (phone, opted_in_at, attributes)
    select (79000000000 + g)::text, now(), jsonb_build_object('firstName', 'N' || g)
    from generate_series(1, ${3 * contacts}::int) g`;
  await sql`insert into lists (name) values ('new'), ('known'), ('existing')`;
  await sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from contacts c join lists l on l.name = case
      when c.id <= ${contacts} then 'new' when c.id <= ${2 * contacts} then 'known' else 'existing' end`;
  // The existing clients first: the directory the engine learns holds them alone (as many as the
  // audience); the known group's clients are made after that run.
  await addSandboxClients(sql`select id, phone from contacts where id > ${2 * contacts}`, false);
  await sql`analyze`;
  engine = startEngineProcess();
  await engine.ready;

  const efficiency = {};
  for (const list of ['existing', 'known', 'new']) {
    if (list === 'known') {
      await addSandboxClients(
        sql`select id, phone from contacts where id > ${contacts} and id <= ${2 * contacts}`,
        true,
      );
    }
    const before = await stats();
    const runId = await broadcastTo(list, new Date());
    await until(async () => (await open(runId)) === 0);
    await new Promise((resolve) => setTimeout(resolve, POLL_TAIL_MS));
    const after = await stats();
    const [{ sent }] =
      await sql`select count(*)::int as sent from deliveries where run_id = ${runId} and state in ('sent', 'delivered', 'read')`;
    const perPath = diff(before.perPath, after.perPath);
    const requests = Object.values(perPath).reduce((a, b) => a + b, 0);
    const directory = list === 'existing' ? ` (a client directory of ${contacts} learnt first)` : '';
    efficiency[list] = { sent, requests, perMessage: requests / sent, perPath };
    console.log(
      `${list} clients${directory}: ${sent} sent, ${requests} Chat2Desk requests = ${(requests / sent).toFixed(4)} per message ${JSON.stringify(perPath)}`,
    );
  }
  const naive = { known: 3, existing: 3, new: 4 };
  console.log(
    `naive approach: known and existing ${naive.known} per message (look up, send, poll), new ${naive.new} (look up, create, send, poll)`,
  );

  // Idle queue: deliveries to known clients, due 100 ms apart from 2 s from now.
  const runId = await broadcastTo('known', new Date(Date.now() + 3_600_000), latencyCount);
  const t0 = Date.now() + 2_000;
  await sql`
    update deliveries d set due_at = to_timestamp((${t0} + 100 * o.n) / 1000.0), next_attempt_at = to_timestamp((${t0} + 100 * o.n) / 1000.0)
    from (select id, row_number() over (order by id) - 1 as n from deliveries where run_id = ${runId}) o
    where d.id = o.id`;
  await until(async () => (await open(runId)) === 0);
  const [lat] = await sql`
    select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.99) within group (order by ms) as p99,
           max(ms) as max, count(*)::int as n
    from (select extract(epoch from sending_at - due_at) * 1000 as ms from deliveries where run_id = ${runId}) t`;
  console.log(
    `scheduling latency (idle queue, ${lat.n} deliveries due 100 ms apart): p50 ${Number(lat.p50).toFixed(0)} ms, p99 ${Number(lat.p99).toFixed(0)} ms, max ${Number(lat.max).toFixed(0)} ms (due → send starting)`,
  );
  console.log(
    `JSON ${JSON.stringify({ efficiency, naive, latency: { p50: Number(lat.p50), p99: Number(lat.p99), max: Number(lat.max), n: lat.n } })}`,
  );
} finally {
  engine?.stop();
  await sql.end({ timeout: 5 });
  await db.drop();
  sandbox.stop();
}

/** Clients in the sandbox for these contacts (on SMS); `record`: the engine is told their ids. */
async function addSandboxClients(rows, record) {
  for (const c of await rows) {
    const res = await request(`${sandbox.url}/v1/clients?phone=${c.phone}&transport=sms`, {
      method: 'POST',
      headers: { authorization: TOKEN },
    });
    const id = (await res.body.json()).data.id;
    if (record)
      await sql`update contacts set chat2desk_client_id = ${id}, chat2desk_transports = '{sms}' where id = ${c.id}`;
  }
}

/** A broadcast campaign to one list, its run due at `at` and expanded (limited to `limit` contacts). */
async function broadcastTo(list, at, limit) {
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, list_id)
    select ${`bench ${list} ${Date.now()}`}, 'broadcast', 'paused', 'sms', 1, '{}', 'Hi {{firstName}}', id from lists where name = ${list}
    returning id`;
  const [run] =
    await sql`insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, ${at}) returning id`;
  await expandCampaignRun(sql, run.id, { now: new Date() });
  if (limit)
    await sql`delete from deliveries where run_id = ${run.id} and id not in (select id from deliveries where run_id = ${run.id} order by id limit ${limit})`;
  await sql`update campaigns set status = 'running' where id = ${campaign.id}`;
  await sql`select pg_notify('broadcaster_deliveries', '')`;
  return run.id;
}

async function open(runId) {
  const [{ n }] =
    await sql`select count(*)::int as n from deliveries where run_id = ${runId} and state in ('queued', 'waiting', 'sending')`;
  return n;
}

async function until(condition) {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 200));
}

async function stats() {
  const res = await request(`${sandbox.url}/sandbox/stats`, { headers: { authorization: TOKEN } });
  return (await res.body.json()).data;
}

function diff(before, after) {
  const out = {};
  for (const [path, n] of Object.entries(after))
    if (n - (before[path] ?? 0) > 0) out[path] = n - (before[path] ?? 0);
  return out;
}

function startEngineProcess() {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'start', '--role', 'worker', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      CHAT2DESK_API_URL: sandbox.url,
      CHAT2DESK_TOKEN: TOKEN,
      CHAT2DESK_REQUESTS_PER_SECOND: '0',
      PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('"role"')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`engine exited with ${code}: ${out}`)));
  });
  return { ready, stop: () => child.kill('SIGTERM') };
}
