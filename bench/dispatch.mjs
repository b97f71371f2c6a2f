// Dispatch benchmark: end-to-end sends per second from queued deliveries to the Chat2Desk sandbox,
// rate limit off, clients already known (one request per delivery), one engine process.
//
//   npm run build && node bench/dispatch.mjs [--deliveries 20000] [--concurrency 64] [--batch 200]
//
// The sandbox runs as its own process (`broadcaster sandbox`), as Chat2Desk would be. Prints figures.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { Pool } from 'undici';
import { Chat2DeskClient } from '../dist/chat2desk/client.js';
import { systemClock } from '../dist/clock.js';
import { Chat2DeskGate } from '../dist/delivery/chat2deskGate.js';
import { QuotaGuard } from '../dist/delivery/quotaGuard.js';
import { SharedRateLimiter } from '../dist/delivery/rateLimiter.js';
import { DeliveryWorker } from '../dist/delivery/worker.js';
import { expandCampaignRun } from '../dist/scheduler/expandCampaignRun.js';
import { mb, scratchDatabase } from './support.mjs';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: '200' },
  },
});
const count = Number(values.deliveries);
const TOKEN = 'bench-token';

const sandbox = await startSandboxProcess();
const db = await scratchDatabase();
const sql = postgres(db.url, { max: 10, onnotice: () => {} });
try {
  const runId = await seed(sql, await createClients(sandbox.url, count));
  const client = new Chat2DeskClient({ baseUrl: sandbox.url, token: TOKEN, connections: 64 });
  const quota = new QuotaGuard({
    sql,
    clock: systemClock,
    monthlyQuotaOverride: 100_000_000,
    blockSize: 500,
  });
  const gate = new Chat2DeskGate(new SharedRateLimiter({ sql, name: 'chat2desk', perSecond: 0 }), quota);
  const worker = new DeliveryWorker({
    sql,
    client,
    gate,
    clock: systemClock,
    whatsappDelayMs: 0,
    concurrency: Number(values.concurrency),
    batchSize: Number(values.batch),
  });
  await expandCampaignRun(sql, runId, { now: new Date() });

  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  await worker.drain();
  const seconds = (performance.now() - started) / 1000;
  const [{ sent }] = await sql`select count(*)::int as sent from deliveries where state = 'sent'`;
  const [lat] = await sql`
    select percentile_cont(0.5) within group (order by extract(epoch from sent_at - sending_at) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from sent_at - sending_at) * 1000) as p99
    from deliveries where state = 'sent'`;
  console.log(`deliveries        ${count.toLocaleString('en')} (sent ${sent.toLocaleString('en')})`);
  console.log(`drain time        ${seconds.toFixed(2)} s`);
  console.log(`throughput        ${Math.round(sent / seconds).toLocaleString('en')} sends/s`);
  console.log(
    `send latency      p50 ${Number(lat.p50).toFixed(1)} ms, p99 ${Number(lat.p99).toFixed(1)} ms (sending → sent)`,
  );
  console.log(
    `Chat2Desk calls   ${client.requestCount.toLocaleString('en')} (${(client.requestCount / sent).toFixed(3)} per delivery)`,
  );
  console.log(`Node RSS          ${mb(rssBefore)} before, ${mb(process.memoryUsage.rss())} after`);
  await client.close();
} finally {
  await sql.end({ timeout: 5 });
  await db.drop();
  sandbox.stop();
}

async function startSandboxProcess() {
  const child = spawn(
    process.execPath,
    ['dist/cli/main.js', 'sandbox', '--port', '0', '--token', TOKEN, '--json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/"url": "([^"]+)"/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
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

async function seed(sql, clientIds) {
  await sql`
    insert into contacts (phone, opted_in_at, attributes, chat2desk_client_id, chat2desk_transports)
    select (79000000000 + g)::text, now(), jsonb_build_object('firstName', 'N' || g), ids[g], '{sms}'
    from generate_series(1, ${clientIds.length}::int) g, (select ${clientIds}::bigint[] as ids) c`;
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values ('bench', 'broadcast', 'running', 'sms', 1, '{}', 'Hi {{firstName}}, this is a benchmark') returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, now()) returning id`;
  return run.id;
}
