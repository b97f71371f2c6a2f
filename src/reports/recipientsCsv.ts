import type { Writable } from 'node:stream';
import type postgres from 'postgres';
import { csvLine, UTF8_BOM } from '../csv/csvCell.js';
import type { Sql } from '../db/database.js';
import { memberVerdict } from '../delivery/sql/audienceBlocks.js';
import { findReportCampaign } from './sql/findReportCampaign.js';
import { deliveriesInScope, type Queryable } from './sql/reportScope.js';

export const RECIPIENTS_CSV_COLUMNS = [
  'phone',
  'name',
  'state',
  'reason',
  'due_at',
  'sent_at',
  'delivered_at',
  'read_at',
  'chat2desk_message_id',
  'attempts',
  /** The contact's own zone (empty: the campaign's or the engine's applies). */
  'timezone',
  /** When a row still to go (queued, waiting) is planned to go out: its next attempt. */
  'planned_at',
  /** The message as the worker rendered it for its send (kept on the delivery from `sending` on). */
  'text',
] as const;

/** Rows fetched per round trip: the memory the export holds at once, whatever the campaign's size. */
const CURSOR_ROWS = 1000;

type RecipientRow = Record<(typeof RECIPIENTS_CSV_COLUMNS)[number], string | number | null>;

export class CsvOutputClosedError extends Error {
  constructor() {
    super('the CSV output was closed before the export finished');
  }
}

/**
 * Writes one CSV line per delivery of the campaign (or of one run), in delivery order, and then one
 * per audience member whose delivery row is not made yet, reading the
 * database through a cursor and waiting for `out` to drain, so memory stays bounded for any size.
 * Throws before writing anything when the campaign or run does not exist. Leaves `out` open: the
 * caller ends it (it may be stdout).
 */
export async function writeRecipientsCsv(
  sql: Sql,
  campaignId: number,
  out: Writable,
  options: { runId?: number | undefined; excel?: boolean } = {},
): Promise<void> {
  const scope = { campaignId, runId: options.runId };
  await findReportCampaign(sql, scope);
  // For Excel: a BOM, so it reads UTF-8 (Cyrillic names), and `;`, the separator it expects in Russian.
  const separator = options.excel ? ';' : ',';
  await write(out, (options.excel ? UTF8_BOM : '') + csvLine(RECIPIENTS_CSV_COLUMNS, separator));
  // One snapshot for both parts: a block made into rows meanwhile is listed once, in one of them.
  await sql.begin('isolation level repeatable read read only', async (tx) => {
    // Times are formatted by PostgreSQL as UTC ISO; bigint ids stay text.
    await writeRows(
      out,
      separator,
      tx<RecipientRow[]>`
        select c.phone, c.name, d.state::text as state, d.reason,
               ${isoUtc(tx, tx`d.due_at`)} as due_at, ${isoUtc(tx, tx`d.sent_at`)} as sent_at,
               ${isoUtc(tx, tx`d.delivered_at`)} as delivered_at, ${isoUtc(tx, tx`d.read_at`)} as read_at,
               d.chat2desk_message_id::text as chat2desk_message_id, d.attempts, c.timezone,
               case when d.state in ('queued', 'waiting') then ${isoUtc(tx, tx`d.next_attempt_at`)} end as planned_at,
               d.rendered_text as text
        from deliveries d join contacts c on c.id = d.contact_id
        where ${deliveriesInScope(tx, scope)}
        order by d.id`.cursor(CURSOR_ROWS),
    );
    // Then the members of audience blocks whose rows are not made yet (src/delivery/sql/audienceBlocks.ts),
    // with the verdict their row would get now.
    await writeRows(
      out,
      separator,
      tx<RecipientRow[]>`
        select ct.phone, ct.name, case when v.reason is null then 'queued' else 'skipped' end as state, v.reason,
               ${isoUtc(tx, tx`r.scheduled_for`)} as due_at, null as sent_at, null as delivered_at, null as read_at,
               null as chat2desk_message_id, 0 as attempts, ct.timezone,
               case when v.reason is null then ${isoUtc(tx, tx`r.scheduled_for`)} end as planned_at, null as text
        from run_audience_blocks b
        join campaign_runs r on r.id = b.run_id
        join campaigns k on k.id = b.campaign_id
        cross join lateral unnest(b.contact_ids) with ordinality as member(id, position)
        join contacts ct on ct.id = member.id
        cross join lateral (select ${memberVerdict(tx)} as reason) v
        where ${deliveriesInScope(tx, scope, 'b')} and b.materialised_at is null
        order by b.run_id, b.block_no, member.position`.cursor(CURSOR_ROWS),
    );
  });
}

async function writeRows(
  out: Writable,
  separator: string,
  cursor: AsyncIterable<RecipientRow[]>,
): Promise<void> {
  for await (const rows of cursor) {
    let chunk = '';
    for (const row of rows)
      chunk += csvLine(
        RECIPIENTS_CSV_COLUMNS.map((column) => row[column]),
        separator,
      );
    await write(out, chunk);
  }
}

function isoUtc(sql: Queryable, column: postgres.PendingQuery<postgres.Row[]>) {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Writes and, when the stream's buffer is full, waits for it to drain (or fails if it closes). */
function write(out: Writable, text: string): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.reject(new CsvOutputClosedError());
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new CsvOutputClosedError());
    const onError = (error: Error) => settle(error);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}
