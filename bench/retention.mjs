// Retention benchmark: RETENTION_DAYS removing a period of history, as a partition dropped whole
// beside the same number of rows deleted row by row (as it was before the partitions, and as it still
// is in a partition that must stay), on the same database in the same run.
//
//   npm run build && node bench/retention.mjs [--deliveries 1000000]
//
// Two finished runs of `--deliveries` settled deliveries each (one event row each, as a skip makes):
// the first in the first range of run ids, the second in the next one (the runs are moved to a new
// range as a week passes). Then the first range is dropped (dropOldDeliveryPartitions) and the
// second run's rows are deleted by forgetOldDeliveries in its batches of 10,000. Printed: time and
// WAL of each, the kept counts of both runs afterwards (unchanged: their reports still answer), and
// the rows left. Prints figures; nothing passes or fails.
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { dropOldDeliveryPartitions, upkeepDeliveryPartitions } from '../dist/scheduler/deliveryPartitions.js';
import { forgetOldDeliveries } from '../dist/scheduler/forgetOldDeliveries.js';
import { mb, scratchDatabase } from './support.mjs';

const { values } = parseArgs({ options: { deliveries: { type: 'string', default: '1000000' } } });
const count = Number(values.deliveries);
if (!Number.isInteger(count) || count < 1)
  throw new Error(`--deliveries: not a positive integer: ${values.deliveries}`);

const DAY = 86_400_000;
const start = new Date('2026-01-05T09:00:00Z');
const db = await scratchDatabase('broadcaster_retention');
const sql = postgres(db.url, { max: 4, onnotice: () => {} });
try {
  const [{ version }] = await sql`select current_setting('server_version') as version`;
  console.log(`PostgreSQL ${version}, ${count.toLocaleString('en')} deliveries per run`);
  await sql`
    insert into contacts (phone, opted_in_at) select (79000000000 + g)::text, ${start} from generate_series(1, ${count}) g`;
  const first = await finishedRun('week 1', start);
  await upkeepDeliveryPartitions(sql, { now: new Date(start.getTime() + 7 * DAY), periodDays: 7 });
  const second = await finishedRun('week 2', new Date(start.getTime() + 7 * DAY));
  await sql`vacuum analyze`;
  const countsBefore = await keptCounts([first, second]);
  const before = new Date(start.getTime() + 60 * DAY);

  const drop = await measured(async () => dropOldDeliveryPartitions(sql, { before }));
  console.log(
    `partition dropped: ${drop.result.length} range(s), ${count.toLocaleString('en')} deliveries and events in ${drop.ms.toFixed(0)} ms, WAL ${mb(drop.walBytes)}`,
  );
  const rows = await measured(async () => {
    let n = 0;
    for (;;) {
      const batch = await forgetOldDeliveries(sql, { before, batchSize: 10_000 });
      n += batch;
      if (batch < 10_000) return n;
    }
  });
  console.log(
    `rows deleted:      ${rows.result.toLocaleString('en')} deliveries and their events in ${(rows.ms / 1000).toFixed(1)} s, WAL ${mb(rows.walBytes)}`,
  );
  console.log(
    `ratio: the drop took 1/${Math.round(rows.ms / Math.max(drop.ms, 0.001)).toLocaleString('en')} of the time and 1/${Math.round(rows.walBytes / Math.max(drop.walBytes, 1)).toLocaleString('en')} of the WAL`,
  );
  const countsAfter = await keptCounts([first, second]);
  const [left] =
    await sql`select (select count(*) from deliveries)::int as d, (select count(*) from delivery_events)::int as e`;
  console.log(
    `kept counts of both runs unchanged: ${JSON.stringify(countsAfter) === JSON.stringify(countsBefore)} (${JSON.stringify(countsAfter)}); rows left: ${left.d} deliveries, ${left.e} events`,
  );
} finally {
  await sql.end({ timeout: 5 });
  await db.drop();
}

/** A run of every contact, each delivery skipped with its event, completed a day after it began. */
async function finishedRun(label, at) {
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, definition, template_source)
    values (${label}, 'broadcast', 'completed', 'sms', '{}', 'Hi') returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for, status, completed_at)
    values (${campaign.id}, ${at}, 'completed', ${new Date(at.getTime() + DAY)}) returning id`;
  await sql`
    with made as (
      insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport,
                              skipped_at, created_at, updated_at)
      select ${run.id}, ${campaign.id}, c.id, 'skipped', 'opted_out', ${at}, ${at}, 'sms', ${at}, ${at}, ${at}
      from contacts c
      returning id, run_id)
    insert into delivery_events (delivery_id, run_id, from_state, to_state, reason, at)
    select id, run_id, 'queued', 'skipped', 'opted_out', ${at} from made`;
  return run.id;
}

async function keptCounts(runIds) {
  const rows = await sql`
    select run_id, sum(n)::int as n from delivery_counts where run_id = any(${runIds}) group by run_id order by run_id`;
  return rows.map((r) => [r.run_id, r.n]);
}

async function measured(work) {
  const [a] = await sql`select pg_current_wal_lsn() as lsn`;
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  const [b] = await sql`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${a.lsn})::float8 as bytes`;
  return { result, ms, walBytes: b.bytes };
}
