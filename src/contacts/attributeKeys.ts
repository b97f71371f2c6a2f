import type { Sql } from '../db/database.js';
import { parseSegmentFilter } from '../lists/segmentFilter.js';
import { segmentCondition } from '../lists/segmentSql.js';

/** Contacts sampled for their attribute names: enough to see every column of any import, bounded for any audience. */
const SAMPLE = 1000;
const MAX_KEYS = 200;

/**
 * The attribute names an audience's contacts have (the columns their CSVs brought), read from a
 * sample of its first contacts: what a template may use as `{{name}}` beside the contact's own fields.
 */
export async function audienceAttributeKeys(
  sql: Sql,
  audience: { listId: number | null; where: string | null; now: Date },
): Promise<string[]> {
  const segment =
    audience.where === null || audience.where.trim() === ''
      ? sql`true`
      : segmentCondition(sql, parseSegmentFilter(audience.where), { alias: 'c', now: audience.now });
  const rows = await sql<{ key: string }[]>`
    select distinct key from (
      select c.attributes from contacts c
      where ${
        audience.listId === null
          ? sql`true`
          : sql`exists (select 1 from list_members m where m.list_id = ${audience.listId} and m.contact_id = c.id)`
      } and ${segment}
      order by c.id limit ${SAMPLE}
    ) s cross join lateral jsonb_object_keys(s.attributes) as key
    order by key limit ${MAX_KEYS}`;
  return rows.map((r) => r.key);
}
