import type postgres from 'postgres';
import type { Sql } from '../../db/database.js';

/** A kept count that disagrees with the deliveries it counts: which table, which key, kept and counted. */
export interface DeliveryCountDrift {
  table: 'delivery_counts' | 'delivery_send_counts' | 'delivery_state_totals';
  key: string;
  kept: number;
  counted: number;
}

/**
 * The kept counts (migration 20261206060000_delivery_counts) compared with a recount of the deliveries,
 * key by key; empty when they agree. A full scan: for tests, the crash suite and an operator who doubts
 * a report, not for a request path. Old deliveries removed by retention are counted but no longer there,
 * so after retention the counts of those runs differ on purpose. Members of audience blocks not made
 * into rows yet are counted from the blocks' tallies, as the counts hold them.
 */
export async function findDeliveryCountDrift(sql: Sql): Promise<DeliveryCountDrift[]> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const byState = await tx<DeliveryCountDrift[]>`
      with kept as (
        select run_id, state, reason, transport, channel_id, accepted, sum(n)::float8 as n
        from delivery_counts group by 1, 2, 3, 4, 5, 6
      ),
      counted as (
        select run_id, state, coalesce(split_part(reason, ':', 1), '') as reason, transport,
               coalesce(channel_id, 0) as channel_id, sent_at is not null as accepted, count(*)::float8 as n
        from deliveries group by 1, 2, 3, 4, 5, 6
        union all
        ${unmadeTallies(tx, tx`b.run_id, state, t.reason, b.transport, coalesce(b.channel_id, 0), false`)}
      )
      select 'delivery_counts' as table,
             concat_ws(' ', 'run', coalesce(k.run_id, c.run_id), coalesce(k.state, c.state),
                       nullif(coalesce(k.reason, c.reason), ''), coalesce(k.transport, c.transport),
                       'channel', coalesce(k.channel_id, c.channel_id),
                       case when coalesce(k.accepted, c.accepted) then 'accepted' end) as key,
             coalesce(k.n, 0) as kept, coalesce(c.n, 0) as counted
      from kept k full join (
        select run_id, state, reason, transport, channel_id, accepted, sum(n) as n from counted group by 1, 2, 3, 4, 5, 6
      ) c using (run_id, state, reason, transport, channel_id, accepted)
      where coalesce(k.n, 0) <> coalesce(c.n, 0)`;
    const sends = await tx<DeliveryCountDrift[]>`
      with kept as (
        select run_id, minute, latency_bucket, sum(n)::float8 as n from delivery_send_counts group by 1, 2, 3
      ),
      counted as (
        select run_id, date_trunc('minute', sent_at) as minute, delivery_latency_bucket(due_at, sent_at) as latency_bucket,
               count(*)::float8 as n
        from deliveries where sent_at is not null group by 1, 2, 3
      )
      select 'delivery_send_counts' as table,
             concat_ws(' ', 'run', coalesce(k.run_id, c.run_id), 'minute',
                       to_char(coalesce(k.minute, c.minute) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'),
                       'bucket', coalesce(k.latency_bucket, c.latency_bucket)) as key,
             coalesce(k.n, 0) as kept, coalesce(c.n, 0) as counted
      from kept k full join counted c using (run_id, minute, latency_bucket)
      where coalesce(k.n, 0) <> coalesce(c.n, 0)`;
    const totals = await tx<DeliveryCountDrift[]>`
      with kept as (select state, sum(n)::float8 as n from delivery_state_totals group by 1),
      counted as (
        select state, sum(n) as n from (
          select state, count(*)::float8 as n from deliveries group by 1
          union all
          ${unmadeTallies(tx, tx`state`)}
        ) parts group by 1
      )
      select 'delivery_state_totals' as table, coalesce(k.state, c.state)::text as key,
             coalesce(k.n, 0) as kept, coalesce(c.n, 0) as counted
      from kept k full join counted c using (state)
      where coalesce(k.n, 0) <> coalesce(c.n, 0)`;
    return [...byState, ...sends, ...totals];
  }) as Promise<DeliveryCountDrift[]>;
}

/** The tallies of audience blocks not made into rows yet: `keys` and `n` (float8), for the caller to sum. */
function unmadeTallies(tx: postgres.TransactionSql, keys: postgres.PendingQuery<postgres.Row[]>) {
  return tx`
    select ${keys}, t.n::float8 as n
    from run_audience_blocks b
    cross join lateral unnest(b.tally_reasons, b.tally_counts) as t(reason, n)
    cross join lateral (
      select (case when t.reason = '' then 'queued' else 'skipped' end)::delivery_state as state
    ) s
    where b.materialised_at is null`;
}
