// Expansion benchmark: how fast one run's audience is decided (every member's verdict, counted, stored
// as audience blocks with the first blocks' delivery rows made; src/delivery/sql/audienceBlocks.ts),
// what it costs Node, and then what making the remaining rows costs (the workers' side, paid at the
// pace of the sends; timed here block after block, nothing sent).
//
//   npm run build && node bench/expansion.mjs [--contacts 1000000] [--batch-size 50000] [--audience all|list] [--no-peer]
//
// In the same run and database, the peer: graphile-worker 0.16's bulk `add_jobs` enqueues one job per
// contact of the same audience, in batches of the same size; the ratio is printed.
// With DATABASE_URL, a scratch database is created on that server (and dropped afterwards); without
// it, an embedded PostgreSQL is started on a temporary data directory. Prints figures only: the
// numbers depend on the machine, so there is nothing to pass or fail.
import { parseArgs } from 'node:util';
import { Logger, runMigrations } from 'graphile-worker';
import postgres from 'postgres';
import { materialiseNextBlock } from '../dist/delivery/sql/audienceBlocks.js';
import { expandCampaignRun } from '../dist/scheduler/expandCampaignRun.js';
import { mb, scratchDatabase } from './support.mjs';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '50000' },
    audience: { type: 'string', default: 'all' },
    'no-peer': { type: 'boolean', default: false },
  },
});
const contacts = Number(values.contacts);
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(contacts) || contacts < 1)
  throw new Error(`--contacts: not a positive integer: ${values.contacts}`);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size: not a positive integer`);
if (!['all', 'list'].includes(values.audience)) throw new Error('--audience: all or list');

const db = await scratchDatabase();
const sql = postgres(db.url, { max: 4, onnotice: () => {} });
try {
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
  console.log(
    `audience          ${contacts.toLocaleString('en')} contacts (${values.audience}), batch ${batchSize.toLocaleString('en')}`,
  );
  console.log(
    `deliveries        ${rows.toLocaleString('en')} (queued ${result.queued.toLocaleString('en')}, skipped ${result.skipped.toLocaleString('en')})`,
  );
  console.log(`expansion time    ${seconds.toFixed(2)} s`);
  console.log(
    `throughput        ${Math.round(rows / seconds).toLocaleString('en')} members/s (decided, counted, queued)`,
  );
  console.log(`Node RSS          ${mb(rssBefore)} before, ${mb(peakRss)} peak (+${mb(peakRss - rssBefore)})`);
  const [made] = await sql`select count(*)::int as n from deliveries where run_id = ${runId}`;
  console.log(`rows at expansion ${made.n.toLocaleString('en')} delivery rows made (the first blocks)`);
  const rest = await materialiseRest(sql, runId);
  console.log(
    `rows made later   ${rest.rows.toLocaleString('en')} in ${rest.seconds.toFixed(2)} s = ${Math.round(rest.rows / rest.seconds).toLocaleString('en')} rows/s (block after block, as the workers' pace asks)`,
  );

  if (!values['no-peer']) {
    const peer = await graphileAddJobs(sql, db.url, batchSize);
    const peerRate = peer.jobs / peer.seconds;
    console.log(
      `peer              graphile-worker 0.16 add_jobs: ${peer.jobs.toLocaleString('en')} jobs in ${peer.seconds.toFixed(2)} s = ${Math.round(peerRate).toLocaleString('en')} jobs/s`,
    );
    console.log(`ratio             ${(rows / seconds / peerRate).toFixed(2)}× the peer`);
  }
} finally {
  await sql.end({ timeout: 5 });
  await db.drop();
}

/** Makes the run's remaining blocks into rows one after another: the cost expansion no longer pays. */
async function materialiseRest(sql, runId) {
  const started = performance.now();
  let rows = 0;
  for (;;) {
    const block = await materialiseNextBlock(sql, runId, { now: new Date() });
    if (!block) break;
    rows += block.queued + block.skipped;
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/**
 * The peer: graphile-worker's bulk `add_jobs`, one job per contact (its id as payload), in batches of
 * the same size read from the same table, each batch one statement as in our expansion.
 */
async function graphileAddJobs(sql, url, batch) {
  await runMigrations({ connectionString: url, logger: quietLogger() });
  await sql`analyze`;
  const started = performance.now();
  let jobs = 0;
  for (let after = 0; ; ) {
    const [row] = await sql`
      with audience as (select id from contacts where id > ${after} order by id limit ${batch}),
      added as (
        select 1 from graphile_worker.add_jobs(array(
          select row('send', json_build_object('contactId', id), null, null, null, null, null, null)::graphile_worker.job_spec
          from audience)))
      select (select count(*) from added)::int as n, (select max(id) from audience) as last`;
    if (row.n === 0) break;
    jobs += row.n;
    after = row.last;
  }
  return { jobs, seconds: (performance.now() - started) / 1000 };
}

function quietLogger() {
  return new Logger(() => () => {});
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
