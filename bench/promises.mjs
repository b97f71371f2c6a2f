// The promises in ordinary use, measured on real processes: `broadcaster start` with default
// settings (no PUBLIC_URL, so replies are polled) against `broadcaster sandbox`:
//
//   npm run build && node bench/promises.mjs [--stop-samples 5] [--idle-samples 2]
//
// 1. A campaign slower than the lease (CHAT2DESK_TIMEOUT_MS=1000, DELIVERY_LEASE_MS=4000, 0.5/s to
//    10 new SMS clients): messages Chat2Desk accepted against the report.
// 2. Fairness: a fast campaign (100 known clients, account rate 10/s) alone, then beside a campaign
//    paced at 0.01/s to 40 contacts: its time to finish in both, and the ratio; and a small campaign
//    (50) alone, then while a 2,000-message broadcast is under way (account rate 50/s).
// 3. STOP latency while sending (a campaign at 2/s): from a client's reply to its opt-out, and
//    whether anything reached that client after the reply.
// 4. STOP latency when idle: the same with nothing to send.
// Prints figures; nothing passes or fails.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { request } from 'undici';
import { scratchDatabase, startSandboxProcess } from './support.mjs';

const { values } = parseArgs({
  options: {
    'stop-samples': { type: 'string', default: '5' },
    'idle-samples': { type: 'string', default: '2' },
  },
});
const TOKEN = 'bench-token';
const figures = {};
const dir = await mkdtemp(join(tmpdir(), 'broadcaster-promises-'));

await scenario('slow campaign vs lease', async (ctx) => {
  const { sql, sandbox, engine } = ctx;
  await seed(ctx, 'slow', 1, 10, { known: false });
  await engine({
    CHAT2DESK_TIMEOUT_MS: '1000',
    DELIVERY_LEASE_MS: '4000',
    WHATSAPP_NEW_CLIENT_DELAY_MS: '0',
  });
  const id = await createCampaign(ctx, 'slow', { rateLimit: { perSecond: 0.5 } });
  await until(async () => (await open(sql, id)) === 0);
  const accepted = await messagesTo(sandbox);
  const report = await sentOf(sql, id);
  const duplicates = [...accepted.values()].filter((n) => n > 1).length;
  figures.slowCampaign = {
    contacts: 10,
    accepted: [...accepted.values()].reduce((a, b) => a + b, 0),
    sent: report,
    duplicates,
  };
  console.log(
    `slow campaign (0.5/s, lease 4 s): ${figures.slowCampaign.accepted} messages accepted for ${report} sent, ${duplicates} clients twice`,
  );
});

await scenario('fairness', async (ctx) => {
  const { sql, engine } = ctx;
  await seed(ctx, 'fast-a', 1, 100, { known: true });
  await seed(ctx, 'fast-b', 1001, 100, { known: true });
  await seed(ctx, 'slow', 2001, 40, { known: true });
  await engine({});
  const alone = await timeToFinish(ctx, 'fast-a');
  const slow = await createCampaign(ctx, 'slow', { rateLimit: { perSecond: 0.01 } });
  await until(async () => (await sentOf(sql, slow)) >= 1);
  const beside = await timeToFinish(ctx, 'fast-b');
  figures.fairness = { aloneMs: alone, besideSlowMs: beside, ratio: beside / alone };
  console.log(
    `fairness: 100 messages alone in ${alone} ms, beside a 0.01/s campaign in ${beside} ms (${(beside / alone).toFixed(2)}×)`,
  );
});

await scenario('fairness under load', async (ctx) => {
  const { sql, engine } = ctx;
  await seed(ctx, 'small-a', 1, 50, { known: true });
  await seed(ctx, 'small-b', 1001, 50, { known: true });
  await seed(ctx, 'big', 2001, 2000, { known: true });
  await engine({ CHAT2DESK_REQUESTS_PER_SECOND: '50' });
  const alone = await timeToFinish(ctx, 'small-a');
  const big = await createCampaign(ctx, 'big', {});
  await until(async () => (await sentOf(sql, big)) >= 100);
  const beside = await timeToFinish(ctx, 'small-b');
  const bigLeft = await open(sql, big);
  figures.fairnessUnderLoad = {
    aloneMs: alone,
    besideBigMs: beside,
    ratio: beside / alone,
    bigStillOpen: bigLeft,
  };
  console.log(
    `fairness under load (50/s): 50 messages alone in ${alone} ms, beside a 2,000-message broadcast in ${beside} ms (${(beside / alone).toFixed(2)}×; ${bigLeft} of the broadcast still to go)`,
  );
});

await scenario('STOP while sending', async (ctx) => {
  const { sql, sandbox, engine } = ctx;
  const samples = Number(values['stop-samples']);
  await seed(ctx, 'paced', 1, 40 + samples * 10, { known: true });
  await engine({});
  const id = await createCampaign(ctx, 'paced', { rateLimit: { perSecond: 2 } });
  await until(async () => (await sentOf(sql, id)) >= 3);
  const latencies = [];
  let after = 0;
  for (let i = 0; i < samples; i++) {
    // A contact whose message has not gone yet: the last ones of the list.
    const phone = String(79000000000 + 40 + samples * 10 - i);
    const repliedAt = Date.now();
    await reply(sandbox, phone, 'СТОП');
    await until(async () => (await optedOut(sql, phone)) !== null, 100);
    latencies.push(Date.now() - repliedAt);
    const client = await clientOf(sandbox, phone);
    after += (await sandboxState(sandbox)).messages.filter(
      (m) => m.type === 'to_client' && m.clientId === client && Date.parse(m.acceptedAt) > repliedAt,
    ).length;
    await sleep(2_000 + Math.random() * 3_000);
  }
  await sql`update campaigns set status = 'cancelled' where id = ${id}`;
  figures.stopWhileSending = { samples, maxMs: Math.max(...latencies), latencies, messagesAfterStop: after };
  console.log(
    `STOP while sending: applied after ${latencies.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} (max ${(Math.max(...latencies) / 1000).toFixed(1)} s); ${after} messages after a STOP`,
  );
});

await scenario('STOP when idle', async (ctx) => {
  const { sql, sandbox, engine } = ctx;
  const samples = Number(values['idle-samples']);
  await seed(ctx, 'idle', 1, samples, { known: true });
  await engine({});
  await sleep(3_000);
  const latencies = [];
  for (let i = 1; i <= samples; i++) {
    await sleep(Math.random() * 20_000);
    const phone = String(79000000000 + i);
    const repliedAt = Date.now();
    await reply(sandbox, phone, 'stop');
    await until(async () => (await optedOut(sql, phone)) !== null, 250);
    latencies.push(Date.now() - repliedAt);
  }
  figures.stopWhenIdle = { samples, maxMs: Math.max(...latencies), latencies };
  console.log(
    `STOP when idle: applied after ${latencies.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} (max ${(Math.max(...latencies) / 1000).toFixed(1)} s)`,
  );
});

console.log(`JSON ${JSON.stringify(figures)}`);
await rm(dir, { recursive: true, force: true });

/** A fresh database, sandbox and engine for one scenario, torn down after it. */
async function scenario(name, run) {
  const sandbox = await startSandboxProcess(TOKEN);
  const db = await scratchDatabase();
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  const engines = [];
  try {
    await run({
      sql,
      url: db.url,
      sandbox,
      engine: async (env) => {
        const child = startEngine(db.url, sandbox.url, env);
        engines.push(child);
        await child.ready;
      },
    });
  } catch (error) {
    console.error(`${name} failed: ${error.stack}`);
    process.exitCode = 1;
  } finally {
    for (const child of engines) child.stop();
    await Promise.all(engines.map((child) => child.exited));
    await sql.end({ timeout: 5 });
    await db.drop();
    sandbox.stop();
  }
}

/** Contacts 79000000000 + from … in list `list`, opted in; with `known`, already clients on SMS. */
async function seed({ sql, sandbox }, list, from, count, { known }) {
  await sql`
    insert into contacts (phone, opted_in_at, attributes)
    select (79000000000 + g)::text, now(), jsonb_build_object('firstName', 'N' || g)
    from generate_series(${from}::int, ${from + count - 1}::int) g`;
  await sql`insert into lists (name) values (${list})`;
  await sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from lists l, contacts c
    where l.name = ${list} and c.phone::bigint between ${79000000000 + from} and ${79000000000 + from + count - 1}`;
  if (!known) return;
  const contacts = await sql`
    select c.id, c.phone from contacts c join list_members m on m.contact_id = c.id
    join lists l on l.id = m.list_id where l.name = ${list}`;
  for (const c of contacts) {
    const res = await request(`${sandbox.url}/v1/clients?phone=${c.phone}&transport=sms`, {
      method: 'POST',
      headers: { authorization: TOKEN },
    });
    const id = (await res.body.json()).data.id;
    await sql`update contacts set chat2desk_client_id = ${id}, chat2desk_transports = '{sms}' where id = ${c.id}`;
  }
}

/** `broadcaster campaign create` as a user runs it: an SMS broadcast to `list`, due in two seconds. */
async function createCampaign({ url }, list, extra) {
  const file = join(dir, `${list}-${Date.now()}.json`);
  await writeFile(
    file,
    JSON.stringify({
      name: `Bench ${list}`,
      kind: 'broadcast',
      transport: 'sms',
      channelId: 1,
      template: 'Hi {{firstName}}, this week only',
      audience: { list },
      schedule: { at: new Date(Date.now() + 2_000).toISOString() },
      ...extra,
    }),
  );
  const out = await run(['campaign', 'create', file, '--json'], { DATABASE_URL: url });
  return JSON.parse(out).id;
}

/** A campaign to `list`, created and started; ms from its due time to its last delivery settling. */
async function timeToFinish(ctx, list) {
  const { sql } = ctx;
  const id = await createCampaign(ctx, list, {});
  const [{ at }] = await sql`select schedule_at as at from campaigns where id = ${id}`;
  await until(async () => (await sentOf(sql, id)) > 0 && (await open(sql, id)) === 0, 50);
  const [{ last }] = await sql`select max(sent_at) as last from deliveries where campaign_id = ${id}`;
  return last.getTime() - at.getTime();
}

async function open(sql, campaignId) {
  const [{ n }] = await sql`
    select count(*)::int as n from deliveries where campaign_id = ${campaignId} and state in ('queued', 'waiting', 'sending')`;
  const [{ total }] =
    await sql`select count(*)::int as total from deliveries where campaign_id = ${campaignId}`;
  return total === 0 ? Number.POSITIVE_INFINITY : n;
}

async function sentOf(sql, campaignId) {
  const [{ n }] = await sql`
    select count(*)::int as n from deliveries where campaign_id = ${campaignId} and state in ('sent', 'delivered', 'read')`;
  return n;
}

async function optedOut(sql, phone) {
  const [row] = await sql`select opted_out_at from contacts where phone = ${phone}`;
  return row?.opted_out_at ?? null;
}

async function sandboxState(sandbox) {
  const res = await request(`${sandbox.url}/sandbox/state`, { headers: { authorization: TOKEN } });
  return (await res.body.json()).data;
}

async function messagesTo(sandbox) {
  const state = await sandboxState(sandbox);
  const phoneOf = new Map(state.clients.map((c) => [c.id, c.phone]));
  const counts = new Map();
  for (const m of state.messages) {
    if (m.type !== 'to_client') continue;
    const phone = phoneOf.get(m.clientId);
    counts.set(phone, (counts.get(phone) ?? 0) + 1);
  }
  return counts;
}

async function clientOf(sandbox, phone) {
  return (await sandboxState(sandbox)).clients.find((c) => c.phone === phone)?.id;
}

async function reply(sandbox, phone, text) {
  const res = await request(`${sandbox.url}/sandbox/clients/${await clientOf(sandbox, phone)}/reply`, {
    method: 'POST',
    headers: { authorization: TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (res.statusCode !== 200) throw new Error(`reply failed: ${await res.body.text()}`);
  await res.body.dump();
}

function startEngine(databaseUrl, sandboxUrl, env) {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'start', '--role', 'all', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      CHAT2DESK_API_URL: sandboxUrl,
      CHAT2DESK_TOKEN: TOKEN,
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let out = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('"role"')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`engine exited with ${code}: ${out}`)));
  });
  return { ready, exited, stop: () => child.kill('SIGTERM') };
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`broadcaster ${args.join(' ')}: ${err}`)),
    );
  });
}

async function until(condition, everyMs = 200) {
  while (!(await condition())) await sleep(everyMs);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
