// Primary benchmark: where one PostgreSQL primary stops, with no Chat2Desk and no engine around it.
//
//   npm run build && node bench/primary.mjs [--deliveries 100000] [--writers 1,2,4,8,16]
//                                           [--partitions 1] [--history 100000]
//
// The database's part of every send, as the engine writes it and nothing else: the claim
// (claimDueDeliveries, 256 at a time), `sending` (durable, group-committed by MoveBatcher) and `sent`
// (asynchronous commit), each with its event row and the kept counts. `--writers` loops do it side by
// side, each with its own two connections, as that many engine processes would with the requests
// taking no time. Printed per writer count: deliveries recorded per second and WAL written per delivery
// (what a replica must receive). Then, for the expansion: a million-row
// `INSERT … SELECT` of deliveries on one backend, and the bytes on disk per delivery (table and indexes,
// with the dead versions the rounds' updates left, as on a live server). Prints figures; nothing passes
// or fails. `--partitions N` measures it with N partitions of deliveries: N - 1 periods of history
// before the one the rounds write, each holding a finished run of `--history` sent deliveries (two
// event rows each), as a server keeping weeks of history has (docs/performance.md §8).
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { materialiseNextBlock } from '../dist/delivery/sql/audienceBlocks.js';
import { claimDueDeliveries } from '../dist/delivery/sql/claimDueDeliveries.js';
import { MoveBatcher } from '../dist/delivery/sql/moveDeliveries.js';
import { upkeepDeliveryPartitions } from '../dist/scheduler/deliveryPartitions.js';
import { expandCampaignRun } from '../dist/scheduler/expandCampaignRun.js';
import { scratchDatabase } from './support.mjs';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '100000' },
    writers: { type: 'string', default: '1,2,4,8,16' },
    partitions: { type: 'string', default: '1' },
    history: { type: 'string', default: '100000' },
  },
});
const partitions = Number(values.partitions);
const history = Number(values.history);
if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`--partitions: ${values.partitions}`);
if (!Number.isInteger(history) || history < 1) throw new Error(`--history: ${values.history}`);
const count = Number(values.deliveries);
const writerCounts = values.writers.split(',').filter(Boolean).map(Number);
if (!Number.isInteger(count) || count < 1)
  throw new Error(`--deliveries: not a positive integer: ${values.deliveries}`);
if (writerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--writers: ${values.writers}`);

const db = await scratchDatabase('broadcaster_primary');
const sql = postgres(db.url, { max: 2, onnotice: () => {} });
try {
  await sql`
    insert into contacts (phone, opted_in_at, attributes, chat2desk_client_id, chat2desk_transports)
    select (79000000000 + g)::text, now() - interval '1 day', '{}', g, '{sms}'
    from generate_series(1, ${Math.max(count, history)}) g`;
  const [{ version }] = await sql`select current_setting('server_version') as version`;
  for (let week = 1; week < partitions; week++) await historyPeriod(week);
  await sql`vacuum analyze`;
  console.log(
    `PostgreSQL ${version}, ${count.toLocaleString('en')} deliveries per round; ${partitions} partition(s) of deliveries, ${partitions - 1} of them history of ${history.toLocaleString('en')} deliveries each`,
  );
  console.log('');
  console.log('writers (2 connections each)  deliveries/s  WAL/delivery');
  for (const writers of writerCounts) {
    const round = await roundOf(writers);
    console.log(
      `${String(writers).padEnd(28)} ${String(Math.round(round.perSecond)).padStart(12)}  ${`${(round.walBytes / count).toFixed(0)} B`.padStart(12)}`,
    );
  }
  const expansion = await expansionRound();
  console.log('');
  console.log(
    `expansion, one backend: ${count.toLocaleString('en')} deliveries in ${expansion.seconds.toFixed(2)} s = ${Math.round(count / expansion.seconds).toLocaleString('en')}/s, WAL ${(expansion.walBytes / count).toFixed(0)} B/delivery`,
  );
  const [disk] = await sql`
    select (select count(*) from deliveries)::float8 as deliveries,
           (select sum(pg_total_relation_size(relid)) from pg_partition_tree('deliveries'))::float8 as delivery_bytes,
           (select count(*) from delivery_events)::float8 as events,
           (select sum(pg_total_relation_size(relid)) from pg_partition_tree('delivery_events'))::float8 as event_bytes`;
  console.log(
    `on disk: ${(disk.delivery_bytes / disk.deliveries).toFixed(0)} B per delivery (table and indexes), ${(disk.event_bytes / Math.max(1, disk.events)).toFixed(0)} B per event row, ${(disk.events / disk.deliveries).toFixed(2)} event rows per delivery`,
  );
} finally {
  await sql.end({ timeout: 5 });
  await db.drop();
}

/** A finished run of `history` sent deliveries scheduled `week` weeks ago, then the runs moved to a new range. */
async function historyPeriod(week) {
  const at = new Date(Date.now() - (partitions - week + 1) * 7 * 86_400_000);
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values (${`history ${week}`}, 'broadcast', 'completed', 'sms', 1, '{}', 'Hi') returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for, status, completed_at)
    values (${campaign.id}, ${at}, 'completed', ${at}) returning id`;
  await sql`
    with made as (
      insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport,
                              rendered_text, chat2desk_message_id, attempts, sending_at, sent_at, updated_at)
      select ${run.id}, ${campaign.id}, c.id, 'sent', ${at}, ${at}, 'sms', 'Hi', ${week} * 100000000 + c.id, 1,
             ${at}, ${at}, ${at}
      from contacts c where c.id <= ${history}
      returning id, run_id)
    insert into delivery_events (delivery_id, run_id, from_state, to_state, at)
    select id, run_id, s.from_state::delivery_state, s.to_state::delivery_state, ${at}
    from made, (values ('queued', 'sending'), ('sending', 'sent')) as s(from_state, to_state)`;
  await upkeepDeliveryPartitions(sql, { now: new Date(at.getTime() + 7 * 86_400_000), periodDays: 7 });
}

/** A running campaign with `count` deliveries, all due now. */
async function dueRun(label) {
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values (${label}, 'broadcast', 'running', 'sms', 1, '{}', 'Hi') returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, now()) returning id`;
  await expandCampaignRun(sql, run.id, { now: new Date() });
  // Every block made into rows now: the rounds measure sends, not the rows made on the way (§1).
  while (await materialiseNextBlock(sql, run.id, { now: new Date() }));
  await sql`vacuum analyze deliveries`;
  return run.id;
}

async function roundOf(writers) {
  const runId = await dueRun(`primary ${writers}`);
  const lsn = await walPosition();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, i) => {
      const own = postgres(db.url, { max: 2, onnotice: () => {} });
      const moves = new MoveBatcher(own);
      const workerId = `writer-${i}`;
      let messageId = i * 10_000_000;
      try {
        for (;;) {
          const now = new Date();
          const claimed = await claimDueDeliveries(own, { workerId, now, limit: 256, leaseMs: 60_000 });
          if (claimed.length === 0) break;
          const move = (d, to, changes) =>
            moves.move({
              id: d.id,
              to,
              reason: null,
              now: new Date(),
              workerId,
              leaseToken: d.leaseToken,
              campaignId: d.campaignId,
              changes,
            });
          await Promise.all(
            claimed.map(async (d) => {
              if (!(await move(d, 'sending', { renderedText: 'Hi', attempts: 1 }))) return;
              await move(d, 'sent', { chat2deskMessageId: ++messageId, release: true });
            }),
          );
        }
      } finally {
        await own.end({ timeout: 5 });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const walBytes = await walSince(lsn);
  const [{ sent }] =
    await sql`select count(*)::int as sent from deliveries where run_id = ${runId} and state = 'sent'`;
  if (sent !== count) throw new Error(`round of ${writers}: ${sent} sent, not ${count}`);
  return { perSecond: count / seconds, walBytes };
}

async function expansionRound() {
  const [campaign] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values ('expansion', 'broadcast', 'running', 'sms', 1, '{}', 'Hi') returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, now()) returning id`;
  const lsn = await walPosition();
  const started = performance.now();
  await expandCampaignRun(sql, run.id, { now: new Date() });
  while (await materialiseNextBlock(sql, run.id, { now: new Date() }));
  return { seconds: (performance.now() - started) / 1000, walBytes: await walSince(lsn) };
}

async function walPosition() {
  const [{ lsn }] = await sql`select pg_current_wal_lsn()::text as lsn`;
  return lsn;
}

async function walSince(lsn) {
  const [{ bytes }] =
    await sql`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${lsn}::pg_lsn)::float8 as bytes`;
  return bytes;
}
