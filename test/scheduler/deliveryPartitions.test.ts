import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { moveDeliveriesTo } from '../../src/delivery/sql/moveDeliveries.js';
import { campaignReport } from '../../src/reports/campaignReport.js';
import {
  dropOldDeliveryPartitions,
  listDeliveryPartitions,
  RUNS_PER_PARTITION,
  upkeepDeliveryPartitions,
} from '../../src/scheduler/deliveryPartitions.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { START } from '../support/engineHarness.js';
import { seedContact } from '../support/seedDeliveries.js';
import { insertCampaign, insertRun, useTestDatabasePerTest } from './seed.js';

const DAY = 86_400_000;
const M = RUNS_PER_PARTITION;
const db = useTestDatabasePerTest();
let phones = 0;

const daysAfterStart = (days: number) => new Date(START.getTime() + days * DAY);

/** A run scheduled at `at` with `n` deliveries, each skipped by a real move (which logs its event). */
async function runWithDeliveries(at: Date, n: number, kind: 'broadcast' | 'reminder' = 'broadcast') {
  const campaignId = await insertCampaign(db.sql, { kind, status: 'running' });
  const runId = await insertRun(db.sql, campaignId, at, 'running');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const contactId = await seedContact(db.sql, `7904000${String(++phones).padStart(4, '0')}`);
    const [row] = await db.sql<{ id: string }[]>`
      insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport, queued_at)
      values (${runId}, ${campaignId}, ${contactId}, ${at}, ${at}, 'sms', ${at}) returning id::text as id`;
    ids.push(row!.id);
  }
  await moveDeliveriesTo(
    db.sql,
    'skipped',
    ids.map((id) => ({ id, to: 'skipped' as const, reason: 'opted_out', now: at })),
  );
  return { campaignId, runId };
}

async function completeRun(runId: number, at: Date) {
  await db.sql`update campaign_runs set status = 'completed', completed_at = ${at} where id = ${runId}`;
}

/** Which partition each of the run's deliveries and events is in. */
async function partitionsOf(runId: number) {
  const rows = await db.sql<{ table: string }[]>`
    select distinct tableoid::regclass::text as table from deliveries where run_id = ${runId}
    union select distinct tableoid::regclass::text from delivery_events where run_id = ${runId}
    order by 1`;
  return rows.map((r) => r.table);
}

const firstRunIds = async () => (await listDeliveryPartitions(db.sql)).map((p) => p.firstRunId);

describe('upkeepDeliveryPartitions', () => {
  it('finds the first partition and one ahead from the migration, and makes nothing more without a period', async () => {
    expect(await listDeliveryPartitions(db.sql)).toEqual([
      { firstRunId: 0, endRunId: M },
      { firstRunId: M, endRunId: 2 * M },
    ]);
    const { made, receiving } = await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(365) });
    expect(made).toEqual([]);
    expect(receiving).toEqual({ firstRunId: 0, endRunId: M });
  });

  it("starts the next range once the receiving partition's first run is a period old, and keeps one ahead", async () => {
    const first = await runWithDeliveries(START, 2);
    expect(await partitionsOf(first.runId)).toEqual([
      'delivery_partitions.deliveries_0',
      'delivery_partitions.delivery_events_0',
    ]);

    const early = await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(6.9), periodDays: 7 });
    expect(early).toEqual({ made: [], receiving: { firstRunId: 0, endRunId: M } });

    const rolled = await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(7), periodDays: 7 });
    expect(rolled).toEqual({
      made: [{ firstRunId: 2 * M, endRunId: 3 * M }],
      receiving: { firstRunId: M, endRunId: 2 * M },
    });
    expect(await firstRunIds()).toEqual([0, M, 2 * M]);

    // The next run is the new range's first, and its rows (made later too) are in its partition.
    const second = await runWithDeliveries(daysAfterStart(7), 2);
    expect(second.runId).toBe(M);
    expect(await partitionsOf(second.runId)).toEqual([
      `delivery_partitions.deliveries_${M}`,
      `delivery_partitions.delivery_events_${M}`,
    ]);
    // A week later still inside that week's range: nothing moves again until its first run is a week old.
    expect((await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(13), periodDays: 7 })).made).toEqual(
      [],
    );
    expect(await insertRun(db.sql, second.campaignId, daysAfterStart(13))).toBe(M + 1);
  });

  it('makes no new range for a partition without runs, however old the database', async () => {
    const { made } = await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(400), periodDays: 7 });
    expect(made).toEqual([]);
    expect(await firstRunIds()).toEqual([0, M]);
  });

  it('is safe from several instances at once: each range is made once', async () => {
    await runWithDeliveries(START, 1);
    const results = await Promise.all(
      [1, 2, 3].map(() => upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(8), periodDays: 7 })),
    );
    expect(results.flatMap((r) => r.made)).toEqual([{ firstRunId: 2 * M, endRunId: 3 * M }]);
    expect(await firstRunIds()).toEqual([0, M, 2 * M]);
    expect(await insertRun(db.sql, await insertCampaign(db.sql), daysAfterStart(8))).toBe(M);
  });
});

describe('dropOldDeliveryPartitions', () => {
  /** Two weeks of runs: one in the first range, one in the second (receiving). */
  async function twoWeeks() {
    const old = await runWithDeliveries(START, 3);
    await completeRun(old.runId, daysAfterStart(1));
    await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(7), periodDays: 7 });
    const recent = await runWithDeliveries(daysAfterStart(7), 2);
    await completeRun(recent.runId, daysAfterStart(8));
    return { old, recent };
  }

  it("drops a range whose runs all ended before the cut-off, whole; its runs' reports still answer", async () => {
    const { old, recent } = await twoWeeks();
    await db.sql`
      insert into run_audience_blocks (run_id, block_no, campaign_id, transport, last_contact_id, contact_ids,
                                       tally_reasons, tally_counts, expanded_at, materialised_at)
      values (${old.runId}, 0, ${old.campaignId}, 'sms', 1, null, '{}', '{}', ${START}, ${START})`;
    const reportBefore = await campaignReport(db.sql, old.campaignId);

    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(0.5) })).toEqual([]);
    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(31) })).toEqual([
      { firstRunId: 0, endRunId: M },
    ]);

    expect(await firstRunIds()).toEqual([M, 2 * M]);
    const [tables] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_tables
      where schemaname = 'delivery_partitions' and tablename in ('deliveries_0', 'delivery_events_0')`;
    expect(tables!.n).toBe(0);
    const [blocks] = await db.sql<{ n: number }[]>`select count(*)::int as n from run_audience_blocks`;
    expect(blocks!.n).toBe(0);
    // The kept counts answer for the dropped run; the receiving range's run is untouched.
    const reportAfter = await campaignReport(db.sql, old.campaignId);
    expect(reportAfter.total).toBe(3);
    expect(reportAfter.counts).toEqual(reportBefore.counts);
    expect(await partitionsOf(recent.runId)).toEqual([
      `delivery_partitions.deliveries_${M}`,
      `delivery_partitions.delivery_events_${M}`,
    ]);
  });

  it('never drops the receiving range, however old its runs', async () => {
    const run = await runWithDeliveries(START, 1);
    await completeRun(run.runId, daysAfterStart(1));
    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(400) })).toEqual([]);
    expect(await partitionsOf(run.runId)).toEqual([
      'delivery_partitions.deliveries_0',
      'delivery_partitions.delivery_events_0',
    ]);
  });

  it("keeps a range holding a run still going (a reminder campaign's) and drops the ranges after it", async () => {
    const reminders = await runWithDeliveries(START, 1, 'reminder');
    await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(7), periodDays: 7 });
    const week2 = await runWithDeliveries(daysAfterStart(7), 1);
    await completeRun(week2.runId, daysAfterStart(8));
    await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(14), periodDays: 7 });
    await runWithDeliveries(daysAfterStart(14), 1);

    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(60) })).toEqual([
      { firstRunId: M, endRunId: 2 * M },
    ]);
    expect(await partitionsOf(reminders.runId)).toEqual([
      'delivery_partitions.deliveries_0',
      'delivery_partitions.delivery_events_0',
    ]);
  });

  it('reads a cancelled run as ended when it was cancelled, and keeps it while its audience has rows to make', async () => {
    const cancelled = await runWithDeliveries(START, 1);
    await db.sql`update campaign_runs set status = 'cancelled' where id = ${cancelled.runId}`;
    await db.sql`
      insert into campaign_run_events (run_id, from_status, to_status, at)
      values (${cancelled.runId}, 'running', 'cancelled', ${daysAfterStart(2)})`;
    await db.sql`
      insert into run_audience_blocks (run_id, block_no, campaign_id, transport, last_contact_id, contact_ids,
                                       tally_reasons, tally_counts, expanded_at)
      values (${cancelled.runId}, 0, ${cancelled.campaignId}, 'sms', 1, '{1}', '{cancelled}', '{1}', ${START})`;
    await upkeepDeliveryPartitions(db.sql, { now: daysAfterStart(7), periodDays: 7 });
    await runWithDeliveries(daysAfterStart(7), 1);

    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(1) })).toEqual([]);
    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(30) })).toEqual([]);
    await db.sql`update run_audience_blocks set contact_ids = null, materialised_at = ${daysAfterStart(3)}`;
    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(30) })).toEqual([
      { firstRunId: 0, endRunId: M },
    ]);
  });

  it('gives up within 2 s when a long transaction holds the table, and drops on a later pass', async () => {
    await twoWeeks();
    const reader = await db.sql.reserve();
    try {
      await reader`begin`;
      await reader`select count(*) from deliveries`;
      expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(31) })).toEqual([]);
      await reader`commit`;
    } finally {
      reader.release();
    }
    expect(await dropOldDeliveryPartitions(db.sql, { before: daysAfterStart(31) })).toHaveLength(1);
  });
});

describe('the timekeeper with RETENTION_DAYS', () => {
  it('rolls the runs to a new range each period and drops the ranges older than RETENTION_DAYS', async () => {
    const clock = new ManualClock(START);
    const keeper = new Timekeeper({ sql: db.sql, clock, retentionDays: 10 });
    const week1 = await runWithDeliveries(START, 2);
    await completeRun(week1.runId, daysAfterStart(1));
    expect((await keeper.tick()).partitionsDropped).toBe(0);

    clock.set(daysAfterStart(7));
    expect((await keeper.tick()).partitionsDropped).toBe(0);
    const week2 = await runWithDeliveries(daysAfterStart(7), 1);
    expect(week2.runId).toBe(M);

    clock.set(daysAfterStart(11.5));
    const tick = await keeper.tick();
    expect(tick).toMatchObject({ partitionsDropped: 1, deliveriesForgotten: 0 });
    expect(await partitionsOf(week1.runId)).toEqual([]);
    expect(await firstRunIds()).toEqual([M, 2 * M]);
  });

  it('makes a partition ahead without RETENTION_DAYS, and never moves the runs to a new range', async () => {
    await db.sql.unsafe(
      `drop table delivery_partitions.delivery_events_${M}, delivery_partitions.deliveries_${M}`,
    );
    const run = await runWithDeliveries(START, 1);
    const clock = new ManualClock(daysAfterStart(30));
    await new Timekeeper({ sql: db.sql, clock }).tick();
    expect(await firstRunIds()).toEqual([0, M]);
    expect(await insertRun(db.sql, run.campaignId, daysAfterStart(30))).toBe(run.runId + 1);
  });
});
