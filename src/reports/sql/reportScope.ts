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
 * its kept counts, which have the same campaign_id and run_id) as `d`.
 */
export function deliveriesInScope(sql: Queryable, scope: ReportScope): postgres.PendingQuery<postgres.Row[]> {
  return scope.runId === undefined
    ? sql`d.campaign_id = ${scope.campaignId}`
    : sql`d.campaign_id = ${scope.campaignId} and d.run_id = ${scope.runId}`;
}
