import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface TransportChannelCount {
  /** Which breakdown the row belongs to: one query serves both through grouping sets. */
  breakdown: 'transport' | 'channel';
  transport: string | null;
  channelId: number | null;
  state: string;
  n: number;
}

export function countByTransportAndChannel(
  sql: Queryable,
  scope: ReportScope,
): Promise<TransportChannelCount[]> {
  return sql<TransportChannelCount[]>`
    select case when grouping(d.transport) = 0 then 'transport' else 'channel' end as breakdown,
           d.transport, d.channel_id as "channelId", d.state, count(*)::int as n
    from deliveries d where ${deliveriesInScope(sql, scope)}
    group by grouping sets ((d.transport, d.state), (d.channel_id, d.state))
    order by 1, 2, 3`;
}
