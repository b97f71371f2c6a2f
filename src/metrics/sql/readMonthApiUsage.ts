import type { Sql } from '../../db/database.js';

export interface MonthApiUsage {
  /** Requests counted (reserved by the quota guard, or reported by api_info) this month. */
  used: number;
  /** The month's quota; null when unlimited or not known yet. */
  limit: number | null;
}

/** The api_usage row of a month ("YYYY-MM-01"); a month without one has used nothing. */
export async function readMonthApiUsage(sql: Sql, month: string): Promise<MonthApiUsage> {
  const [row] = await sql<MonthApiUsage[]>`
    select requests_counted as used, monthly_quota as "limit" from api_usage where month = ${month}::date`;
  return row ?? { used: 0, limit: null };
}
