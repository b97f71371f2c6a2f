import type { Writable } from 'node:stream';
import { csvRawLine } from '../csv/csvCell.js';
import type { Sql } from '../db/database.js';

/** The import's own columns, first and in its order: an export is a file `contacts import` reads back. */
export const CONTACT_EXPORT_COLUMNS = ['phone', 'name', 'timezone', 'opted_in', 'opt_in_source'] as const;

/** Rows fetched per round trip: all the export holds in memory at once, whatever the number of contacts. */
const CURSOR_ROWS = 1000;

interface ExportRow {
  phone: string;
  name: string | null;
  timezone: string | null;
  optedIn: string | null;
  optedOut: boolean;
  optInSource: string | null;
  attributes: Record<string, unknown>;
}

/**
 * Writes every contact (or a list's members) as a contacts CSV, in id order, through a cursor and
 * waiting for `out` to drain. `opted_in` is the consent's ISO time, `false` for a contact that
 * opted out, empty for one that never consented, so the file imports back to the same consent; each attribute ever
 * seen becomes a column. Cells are written as stored (no formula guard): the file is for re-import.
 * Leaves `out` open. Returns how many contacts were written.
 */
export async function writeContactsCsv(
  sql: Sql,
  out: Writable,
  options: { listId?: number | undefined } = {},
): Promise<number> {
  const inScope =
    options.listId === undefined
      ? sql`true`
      : sql`exists (select 1 from list_members m where m.list_id = ${options.listId} and m.contact_id = c.id)`;
  let written = 0;
  // One snapshot for the header's attribute names and the rows under it.
  await sql.begin('isolation level repeatable read read only', async (tx) => {
    const keys = (
      await tx<{ key: string }[]>`
        select distinct key from contacts c cross join lateral jsonb_object_keys(c.attributes) as key
        where ${inScope} order by key`
    ).map((r) => r.key);
    await write(out, csvRawLine([...CONTACT_EXPORT_COLUMNS, ...keys]));
    const rows = tx<ExportRow[]>`
      select c.phone, c.name, c.timezone,
             case when c.opted_out_at is null and c.opted_in_at is not null
                  then to_char(c.opted_in_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end as "optedIn",
             c.opted_out_at is not null as "optedOut", c.opt_in_source as "optInSource", c.attributes
      from contacts c where ${inScope} order by c.id`;
    for await (const batch of rows.cursor(CURSOR_ROWS)) {
      const text = batch
        .map((row) =>
          csvRawLine([
            `+${row.phone}`,
            row.name,
            row.timezone,
            row.optedIn ?? (row.optedOut ? 'false' : null),
            row.optedIn === null ? null : row.optInSource,
            ...keys.map((key) => attributeCell(row.attributes[key])),
          ]),
        )
        .join('');
      await write(out, text);
      written += batch.length;
    }
  });
  return written;
}

function attributeCell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(text)) resolve();
    else {
      const onError = (error: Error) => reject(error);
      out.once('error', onError);
      out.once('drain', () => {
        out.off('error', onError);
        resolve();
      });
    }
  });
}
