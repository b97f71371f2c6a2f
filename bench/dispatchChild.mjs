// One dispatching process of bench/dispatch.mjs: our DeliveryWorker, or the peer (graphile-worker
// running the same workload: one POST /v1/messages to the sandbox per job, then its state write).
// Prints "ready" once connected, works until told to stop (SIGTERM: the parent has seen the work
// done), then prints its figures as one JSON line. Not meant to be run by hand.
import postgres from 'postgres';
import { campaignPauser } from '../dist/campaigns/lifecycle.js';
import { Chat2DeskClient } from '../dist/chat2desk/client.js';
import { systemClock } from '../dist/clock.js';
import { Chat2DeskGate } from '../dist/delivery/chat2deskGate.js';
import { QuotaGuard } from '../dist/delivery/quotaGuard.js';
import { SharedRateLimiter } from '../dist/delivery/rateLimiter.js';
import { DeliveryWorker } from '../dist/delivery/worker.js';

const { ENGINE, DATABASE_URL, SANDBOX_URL, TOKEN, CONCURRENCY, PER_SECOND, RATE_MARGIN_MS } = process.env;
// The parent's --concurrency (128 unless told otherwise), for both engines.
const concurrency = Number(CONCURRENCY || 128);
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

const stopRequested = new Promise((resolve) => process.once('SIGTERM', resolve));

if (ENGINE === 'graphile-worker') await runPeer();
else await runOurs();

async function runOurs() {
  const sql = postgres(DATABASE_URL, { max: 10, onnotice: () => {} });
  const client = new Chat2DeskClient({ baseUrl: SANDBOX_URL, token: TOKEN, connections: concurrency });
  const quota = new QuotaGuard({ sql, clock: systemClock, monthlyQuotaOverride: 1e9, blockSize: 500 });
  const limiter = new SharedRateLimiter({
    sql,
    name: 'chat2desk',
    perSecond: Number(PER_SECOND ?? 0),
    ...(RATE_MARGIN_MS ? { safetyMarginMs: Number(RATE_MARGIN_MS) } : {}),
  });
  const worker = new DeliveryWorker({
    sql,
    client,
    gate: new Chat2DeskGate(limiter, quota),
    clock: systemClock,
    whatsappDelayMs: 0,
    pauseCampaign: campaignPauser(sql),
    concurrency,
    batchSize: 2 * concurrency,
  });
  await worker.runOnce(); // warms the connections up; nothing is due yet
  console.log('ready');
  worker.start();
  await stopRequested;
  await worker.stop();
  report({ requests: client.requestCount });
  await client.close();
  await sql.end({ timeout: 5 });
}

async function runPeer() {
  const { Logger, run } = await import('graphile-worker');
  const { Pool } = await import('undici');
  const http = new Pool(SANDBOX_URL, { connections: concurrency });
  let requests = 0;
  const runner = await run({
    connectionString: DATABASE_URL,
    concurrency,
    // A connection per job up to 64 (ours has 10): more would pass the server's max_connections (100).
    maxPoolSize: Math.min(concurrency + 2, 64),
    pollInterval: 250, // our idle poll
    noHandleSignals: true,
    logger: new Logger(() => () => {}),
    taskList: {
      async send(payload, helpers) {
        const res = await http.request({
          method: 'POST',
          path: '/v1/messages',
          headers: { authorization: TOKEN, 'content-type': 'application/json' },
          body: JSON.stringify({
            client_id: payload.clientId,
            text: payload.text,
            transport: 'sms',
            channel_id: 1,
          }),
        });
        requests++;
        const body = await res.body.json();
        if (body.status !== 'success') throw new Error(`sandbox: ${JSON.stringify(body)}`);
        await helpers.query(
          'update peer_messages set state = $2, message_id = $3, sent_at = clock_timestamp() where id = $1',
          [payload.id, 'sent', body.data.message_id],
        );
      },
    },
  });
  console.log('ready');
  await stopRequested;
  await runner.stop();
  report({ requests });
  await http.close();
}

function report(figures) {
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  console.log(JSON.stringify({ ...figures, peakRssMb: Math.round(peakRss / 2 ** 20) }));
}
