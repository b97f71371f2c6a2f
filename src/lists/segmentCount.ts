import type { Sql } from '../db/database.js';
import { parseSegmentFilter } from './segmentFilter.js';
import { segmentCondition } from './segmentSql.js';

/** How many contacts a segment selects, of how many in its list, and how many of those consented. */
export interface SegmentCount {
  /** The list's members (every contact without a list). */
  members: number;
  /** Those the filter selects: a campaign's recipients, skipped ones included. */
  matching: number;
  /** Of those, the ones with a recorded opt-in and no opt-out (what a marketing campaign may write to). */
  optedIn: number;
}

/** A count preview is interactive: a filter that would scan for longer is stopped, not waited for. */
const COUNT_TIMEOUT_MS = 15_000;

/**
 * Counts a segment set-based (one pass over the list's members) inside a read-only transaction with
 * a statement timeout. `where` is parsed here: a SegmentFilterError says what is wrong and where.
 */
export async function countSegment(
  sql: Sql,
  segment: { listId: number | null; where: string | null; now: Date },
): Promise<SegmentCount> {
  const filter =
    segment.where === null || segment.where.trim() === '' ? null : parseSegmentFilter(segment.where);
  return sql.begin('read only', async (tx) => {
    await tx`select set_config('statement_timeout', ${String(COUNT_TIMEOUT_MS)}, true)`;
    const matches =
      filter === null ? tx`true` : segmentCondition(tx, filter, { alias: 'c', now: segment.now });
    const [row] = await tx<SegmentCount[]>`
      select count(*)::int as members,
             count(*) filter (where ${matches})::int as matching,
             count(*) filter (where (${matches}) and c.opted_out_at is null and c.opted_in_at is not null)::int as "optedIn"
      from contacts c
      where ${
        segment.listId === null
          ? tx`true`
          : tx`exists (select 1 from list_members m where m.list_id = ${segment.listId} and m.contact_id = c.id)`
      }`;
    return row!;
  });
}
