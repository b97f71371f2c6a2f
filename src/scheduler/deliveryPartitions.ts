import type postgres from 'postgres';
import type { Sql } from '../db/database.js';

/**
 * The partitions of `deliveries` and `delivery_events` (migration 20261206080000_delivery_partitions):
 * each holds the rows of a range of run ids, the newest range receiving new runs. Runs are numbered
 * in time order, so a range is a period of runs; once every run of a range is over and ended before
 * RETENTION_DAYS ago, the range is dropped whole: no row deleted one by one, no vacuum after it. The
 * counts of its runs are kept (delivery_counts), so their reports still answer.
 */

/** Run ids per partition: far more than any period's runs (a run a second for a week is 604,800). */
export const RUNS_PER_PARTITION = 1_000_000;

/** The longest period a partition receives new runs for; shorter with a shorter RETENTION_DAYS. */
export const PARTITION_PERIOD_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Partition upkeep and drops from several instances queue on this (pg_advisory_xact_lock). */
const PARTITIONS_LOCK_KEY = 72_707_370;

export interface DeliveryPartition {
  /** The range's first run id (the partitions' names end with it)… */
  firstRunId: number;
  /** …and the first one past it. */
  endRunId: number;
}

type Queryable = Sql | postgres.TransactionSql;

/** The partitions, oldest range first (from the catalog). */
export async function listDeliveryPartitions(sql: Queryable): Promise<DeliveryPartition[]> {
  const rows = await sql<{ bound: string }[]>`
    select pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'public.deliveries'::regclass`;
  return rows
    .map(({ bound }) => {
      const m = /FROM \((\d+)\) TO \((\d+)\)/.exec(bound);
      if (!m) throw new Error(`deliveries has a partition this engine did not make: ${bound}`);
      return { firstRunId: Number(m[1]), endRunId: Number(m[2]) };
    })
    .sort((a, b) => a.firstRunId - b.firstRunId);
}

/** The id the next run will get (the run sequence's next value, read without taking it). */
async function nextRunId(sql: Queryable): Promise<number> {
  const [row] = await sql<{ next: string }[]>`
    select case when s.is_called then s.last_value + 1 else s.last_value end::text as next
    from (select last_value, is_called from campaign_runs_id_seq) s`;
  return Number(row!.next);
}

/**
 * Keeps a partition ready ahead of the one receiving runs, so that a run never lacks one; and, given
 * `periodDays`, starts the next range when the receiving partition's first run is that old (the run
 * sequence moves to the next range's first id). Partitions are attached under a lock that lets every
 * reader and writer of deliveries on; their foreign keys briefly hold writes to runs, contacts and
 * appointments (waiting at most 2 s for them, or the next pass tries again). Several instances may
 * call it at once. Returns the ranges it made.
 */
export async function upkeepDeliveryPartitions(
  sql: Sql,
  options: { now: Date; periodDays?: number },
): Promise<{ made: DeliveryPartition[]; receiving: DeliveryPartition }> {
  const made: DeliveryPartition[] = [];
  const ensure = async (tx: postgres.TransactionSql, firstRunId: number) => {
    const [row] = await tx<{ made: boolean }[]>`
      select create_delivery_partition(${firstRunId}, ${firstRunId + RUNS_PER_PARTITION}) as made`;
    if (row?.made) made.push({ firstRunId, endRunId: firstRunId + RUNS_PER_PARTITION });
  };
  const plan = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${PARTITIONS_LOCK_KEY})`;
    await tx`set local lock_timeout = '2s'`;
    const next = await nextRunId(tx);
    const receiving = (await listDeliveryPartitions(tx)).find(
      (p) => p.firstRunId <= next && next < p.endRunId,
    );
    if (!receiving) throw new Error(`no partition of deliveries receives run ${next}`);
    let rollTo: number | undefined;
    if (options.periodDays !== undefined) {
      const [first] = await tx<{ scheduledFor: Date }[]>`
        select scheduled_for as "scheduledFor" from campaign_runs
        where id >= ${receiving.firstRunId} and id < ${receiving.endRunId} order by id limit 1`;
      if (first && options.now.getTime() - first.scheduledFor.getTime() >= options.periodDays * DAY_MS) {
        rollTo = receiving.endRunId;
      }
    }
    // The partition ahead of the one that will receive runs (after a move, two ahead of today's).
    await ensure(tx, receiving.endRunId);
    if (rollTo !== undefined) await ensure(tx, rollTo + RUNS_PER_PARTITION);
    return { receiving, rollTo };
  });
  if (plan.rollTo === undefined) return { made, receiving: plan.receiving };
  // After the partitions are committed: the next run gets the new range's first id, unless runs got
  // there on their own meanwhile (setval is not transactional, so it comes last).
  await sql`
    select setval('campaign_runs_id_seq', ${plan.rollTo}, false)
    where (select case when is_called then last_value + 1 else last_value end from campaign_runs_id_seq) < ${plan.rollTo}`;
  return { made, receiving: { firstRunId: plan.rollTo, endRunId: plan.rollTo + RUNS_PER_PARTITION } };
}

/**
 * RETENTION_DAYS: drops, oldest first, the partitions before the receiving one whose runs are all
 * over (completed or cancelled, with no audience block left to make) and ended before `before`,
 * with those runs' audience blocks. A partition that cannot go yet is left (a reminder campaign's
 * run lasts as long as the campaign: its range stays, and RETENTION_DAYS deletes rows there as
 * before). Stops when the brief exclusive lock a drop needs is not had within 2 s (writers are not
 * held up longer; the next pass tries again). Returns the ranges dropped.
 */
export async function dropOldDeliveryPartitions(
  sql: Sql,
  options: { before: Date },
): Promise<DeliveryPartition[]> {
  const dropped: DeliveryPartition[] = [];
  const next = await nextRunId(sql);
  for (const partition of await listDeliveryPartitions(sql)) {
    if (partition.endRunId > next) break; // the receiving partition, and those ahead of it
    const gone = await dropIfOver(sql, partition, options.before).catch((error: unknown) => {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return 'busy' as const;
      throw error;
    });
    if (gone === 'busy') break;
    if (gone) dropped.push(partition);
  }
  return dropped;
}

const LOCK_NOT_AVAILABLE = '55P03';

async function dropIfOver(sql: Sql, partition: DeliveryPartition, before: Date): Promise<boolean> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${PARTITIONS_LOCK_KEY})`;
    const [open] = await tx`
        select 1 from campaign_runs r
        where r.id >= ${partition.firstRunId} and r.id < ${partition.endRunId}
          and (r.status not in ('completed', 'cancelled')
               or coalesce(r.completed_at,
                           (select max(e.at) from campaign_run_events e where e.run_id = r.id and e.to_status = r.status),
                           'infinity') >= ${before}
               or exists (select 1 from run_audience_blocks b where b.run_id = r.id and b.contact_ids is not null))
        limit 1`;
    if (open) return false;
    await tx`set local lock_timeout = '2s'`;
    await tx`
        delete from run_audience_blocks
        where run_id >= ${partition.firstRunId} and run_id < ${partition.endRunId}`;
    await tx.unsafe(`drop table delivery_partitions.delivery_events_${partition.firstRunId}`);
    await tx.unsafe(`drop table delivery_partitions.deliveries_${partition.firstRunId}`);
    return true;
  });
}
