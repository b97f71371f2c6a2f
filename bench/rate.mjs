// Rate-limit accuracy: three engine processes share CHAT2DESK_REQUESTS_PER_SECOND=50 for about a minute
// of sandbox time; the sandbox (its own process) counts what arrived.
//
//   npm run build && node bench/rate.mjs [--per-second 50] [--processes 3] [--seconds 60] [--margin-ms 10]
//
// Every contact is new to Chat2Desk, so each delivery costs two requests (create the client, send),
// both paced by the shared limiter: per-second × seconds / 2 contacts. Prints the achieved rate
// (requests after the first over the time from the first to the last arrival) and the busiest sliding
// one-second window the sandbox saw. Nothing passes or fails.
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { request } from 'undici';
import { expandCampaignRun } from '../dist/scheduler/expandCampaignRun.js';
import { finishDispatchers, scratchDatabase, spawnDispatchers, startSandboxProcess } from './support.mjs';

const { values } = parseArgs({
  options: {
    'per-second': { type: 'string', default: '50' },
    processes: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '60' },
    'margin-ms': { type: 'string', default: '10' },
  },
});
const perSecond = Number(values['per-second']);
const processes = Number(values.processes);
const contacts = Math.round((perSecond * Number(values.seconds)) / 2);
const TOKEN = 'bench-token';

const sandbox = await startSandboxProcess(TOKEN);
const db = await scratchDatabase();
const sql = postgres(db.url, { max: 4, onnotice: () => {} });
try {
  await sql`
    insert into contacts (phone, opted_in_at, attributes)
    select (79000000000 + g)::text, now(), jsonb_build_object('firstName', 'N' || g)
    from generate_series(1, ${contacts}::int) g`;
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values ('rate', 'broadcast', 'running', 'sms', 1, '{}', 'Hi {{firstName}}') returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, now() + interval '1 hour')
    returning id`;
  await expandCampaignRun(sql, run.id, { now: new Date() });
  const children = await spawnDispatchers(processes, {
    ENGINE: 'broadcaster',
    DATABASE_URL: db.url,
    SANDBOX_URL: sandbox.url,
    TOKEN,
    CONCURRENCY: '16',
    PER_SECOND: String(perSecond),
    RATE_MARGIN_MS: values['margin-ms'],
  });
  const t0 = new Date(Date.now() + 1_000);
  await sql`update deliveries set due_at = ${t0}, next_attempt_at = ${t0} where run_id = ${run.id}`;
  await finishDispatchers(children, async () => {
    const [{ n }] = await sql`
      select count(*)::int as n from deliveries where run_id = ${run.id} and state in ('queued', 'waiting', 'sending')`;
    return n;
  });

  const res = await request(`${sandbox.url}/sandbox/stats`, { headers: { authorization: TOKEN } });
  const stats = (await res.body.json()).data;
  const spanSeconds = (Date.parse(stats.lastRequestAt) - Date.parse(stats.firstRequestAt)) / 1000;
  const achieved = (stats.requestCount - 1) / spanSeconds;
  const [{ sent }] = await sql`select count(*)::int as sent from deliveries where state = 'sent'`;
  console.log(
    `configured        ${perSecond} requests/s shared by ${processes} processes, margin ${values['margin-ms']} ms`,
  );
  console.log(
    `requests          ${stats.requestCount.toLocaleString('en')} over ${spanSeconds.toFixed(1)} s (${sent} messages sent)`,
  );
  console.log(
    `achieved rate     ${achieved.toFixed(2)}/s (${(((achieved - perSecond) / perSecond) * 100).toFixed(2)} % vs configured)`,
  );
  console.log(`busiest second    ${stats.busiestSecond} requests (sliding 1000 ms window, at the sandbox)`);
  console.log(`429 answers       ${stats.perStatus['429'] ?? 0}`);
  console.log(
    `JSON ${JSON.stringify({ perSecond, processes, requests: stats.requestCount, spanSeconds, achieved, busiestSecond: stats.busiestSecond })}`,
  );
} finally {
  await sql.end({ timeout: 5 });
  await db.drop();
  sandbox.stop();
}
