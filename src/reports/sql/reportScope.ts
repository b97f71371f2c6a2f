import type postgres from 'postgres';
import type { Sql } from '../../db/database.js';

/** A report's queries run in one read-only transaction, so its numbers agree with each other. */
export type Queryable = Sql | postgres.TransactionSql;

/** Which deliveries a report covers: a whole campaign, or one of its runs. */
export interface ReportScope {
  campaignId: number;
  runId?: number | undefined;
}

/**
 * The `where` condition selecting the scope's deliveries, for a query that names `deliveries` (or one of
 * its kept counts or audience blocks, which have the same campaign_id and run_id) as `d` (or `alias`).
 */
export function deliveriesInScope(
  sql: Queryable,
  scope: ReportScope,
  alias = 'd',
): postgres.PendingQuery<postgres.Row[]> {
  const table = sql(alias);
  return scope.runId === undefined
    ? sql`${table}.campaign_id = ${scope.campaignId}`
    : sql`${table}.campaign_id = ${scope.campaignId} and ${table}.run_id = ${scope.runId}`;
}
