// Expansion benchmark: how fast one run's audience becomes delivery rows, and what it costs Node.
//
//   npm run build && node bench/expansion.mjs [--contacts 1000000] [--batch-size 50000] [--audience all|list]
//
// With DATABASE_URL, a scratch database is created on that server (and dropped afterwards); without
// it, an embedded PostgreSQL is started on a temporary data directory. Prints figures only: the
// numbers depend on the machine, so there is nothing to pass or fail.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../dist/db/embeddedPostgres.js';
import { migrate } from '../dist/db/migrator.js';
import { expandCampaignRun } from '../dist/scheduler/expandCampaignRun.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '50000' },
    audience: { type: 'string', default: 'all' },
  },
});
const contacts = Number(values.contacts);
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(contacts) || contacts < 1)
  throw new Error(`--contacts: not a positive integer: ${values.contacts}`);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size: not a positive integer`);
if (!['all', 'list'].includes(values.audience)) throw new Error('--audience: all or list');

const server = await startServer();
const database = `broadcaster_bench_${randomBytes(4).toString('hex')}`;
await admin(server.url, `create database "${database}"`);
const url = withDatabase(server.url, database);
const sql = postgres(url, { max: 4, onnotice: () => {} });
try {
  await migrate(url);
  const runId = await seed(sql);

  const rssBefore = process.memoryUsage.rss();
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  const result = await expandCampaignRun(sql, runId, { now: new Date(), batchSize });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());

  const rows = result.queued + result.skipped;
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `audience          ${contacts.toLocaleString('en')} contacts (${values.audience}), batch ${batchSize.toLocaleString('en')}`,
  );
  console.log(
    `deliveries        ${rows.toLocaleString('en')} (queued ${result.queued.toLocaleString('en')}, skipped ${result.skipped.toLocaleString('en')})`,
  );
  console.log(`expansion time    ${seconds.toFixed(2)} s`);
  console.log(`throughput        ${Math.round(rows / seconds).toLocaleString('en')} deliveries/s`);
  console.log(`Node RSS          ${mb(rssBefore)} before, ${mb(peakRss)} peak (+${mb(peakRss - rssBefore)})`);
} finally {
  await sql.end({ timeout: 5 });
  await admin(server.url, `drop database if exists "${database}" with (force)`);
  await server.stop();
}

/** One set-based insert per table: contacts with a realistic mix of consent, opt-outs and bad phones. */
async function seed(sql) {
  await sql`
    insert into contacts (phone, opted_in_at, opted_out_at)
    select case when g % 100 = 0 then '0' || (7000000000 + g)::text else (79000000000 + g)::text end,
           case when g % 20 = 0 then null else now() end,
           case when g % 50 = 0 then now() end
    from generate_series(1, ${contacts}::int) g`;
  let listId = null;
  if (values.audience === 'list') {
    [{ id: listId }] = await sql`insert into lists (name) values ('bench') returning id`;
    await sql`insert into list_members (list_id, contact_id) select ${listId}, id from contacts`;
  }
  await sql`analyze`;
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, list_id)
    values ('bench', 'broadcast', 'running', 'whatsapp', 1, '{}', 'Hi', ${listId})
    returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, now()) returning id`;
  return run.id;
}

async function startServer() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const dataDir = join('.data', `bench-postgres-${process.pid}`);
  const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
  return {
    url: embedded.url,
    async stop() {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function withDatabase(serverUrl, name) {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin(serverUrl, statement) {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
