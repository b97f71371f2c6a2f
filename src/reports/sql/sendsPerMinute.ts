import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface MinuteSends {
  /** Start of the minute, UTC ISO. */
  minute: string;
  sent: number;
}

/** Messages accepted by Chat2Desk per minute (by `sent_at`, kept in delivery_send_counts); minutes without a send are left out. */
export async function sendsPerMinute(sql: Queryable, scope: ReportScope): Promise<MinuteSends[]> {
  const rows = await sql<{ minute: Date; sent: number }[]>`
    select d.minute, sum(d.n)::int as sent
    from delivery_send_counts d where ${deliveriesInScope(sql, scope)}
    group by 1 having sum(d.n) <> 0 order by 1`;
  return rows.map((r) => ({ minute: r.minute.toISOString(), sent: r.sent }));
}
