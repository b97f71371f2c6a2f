import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface TransportChannelCount {
  /** Which breakdown the row belongs to: one query serves both through grouping sets. */
  breakdown: 'transport' | 'channel';
  transport: string | null;
  channelId: number | null;
  state: string;
  n: number;
}

/** From the kept counts (delivery_counts, where channel 0 is none). */
export function countByTransportAndChannel(
  sql: Queryable,
  scope: ReportScope,
): Promise<TransportChannelCount[]> {
  return sql<TransportChannelCount[]>`
    select case when grouping(d.transport) = 0 then 'transport' else 'channel' end as breakdown,
           d.transport, nullif(d.channel_id, 0) as "channelId", d.state, sum(d.n)::int as n
    from delivery_counts d where ${deliveriesInScope(sql, scope)}
    group by grouping sets ((d.transport, d.state), (d.channel_id, d.state))
    having sum(d.n) <> 0
    order by 1, 2, 3, 4`;
}
