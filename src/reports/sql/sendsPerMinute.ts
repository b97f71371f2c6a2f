import { deliveriesInScope, type Queryable, type ReportScope } from './reportScope.js';

export interface MinuteSends {
  /** Start of the minute, UTC ISO. */
  minute: string;
  sent: number;
}

/** Messages accepted by Chat2Desk per minute (by `sent_at`); minutes without a send are left out. */
export async function sendsPerMinute(sql: Queryable, scope: ReportScope): Promise<MinuteSends[]> {
  const rows = await sql<{ minute: Date; sent: number }[]>`
    select date_trunc('minute', d.sent_at) as minute, count(*)::int as sent
    from deliveries d where ${deliveriesInScope(sql, scope)} and d.sent_at is not null
    group by 1 order by 1`;
  return rows.map((r) => ({ minute: r.minute.toISOString(), sent: r.sent }));
}
