import type { Writable } from 'node:stream';
import { csvLine } from '../csv/csvCell.js';
import type { Sql } from '../db/database.js';
import { findReportCampaign } from './sql/findReportCampaign.js';
import { deliveriesInScope } from './sql/reportScope.js';

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
 * Writes one CSV line per delivery of the campaign (or of one run), in delivery order, reading the
 * database through a cursor and waiting for `out` to drain, so memory stays bounded for any size.
 * Throws before writing anything when the campaign or run does not exist. Leaves `out` open: the
 * caller ends it (it may be stdout).
 */
export async function writeRecipientsCsv(
  sql: Sql,
  campaignId: number,
  out: Writable,
  options: { runId?: number | undefined } = {},
): Promise<void> {
  const scope = { campaignId, runId: options.runId };
  await findReportCampaign(sql, scope);
  await write(out, csvLine(RECIPIENTS_CSV_COLUMNS));
  // Times are formatted by PostgreSQL as UTC ISO; bigint ids stay text.
  const cursor = sql<RecipientRow[]>`
    select c.phone, c.name, d.state::text as state, d.reason,
           ${isoUtc(sql, 'd.due_at')} as due_at, ${isoUtc(sql, 'd.sent_at')} as sent_at,
           ${isoUtc(sql, 'd.delivered_at')} as delivered_at, ${isoUtc(sql, 'd.read_at')} as read_at,
           d.chat2desk_message_id::text as chat2desk_message_id, d.attempts
    from deliveries d join contacts c on c.id = d.contact_id
    where ${deliveriesInScope(sql, scope)}
    order by d.id`.cursor(CURSOR_ROWS);
  for await (const rows of cursor) {
    let chunk = '';
    for (const row of rows) chunk += csvLine(RECIPIENTS_CSV_COLUMNS.map((column) => row[column]));
    await write(out, chunk);
  }
}

function isoUtc(sql: Sql, column: 'd.due_at' | 'd.sent_at' | 'd.delivered_at' | 'd.read_at') {
  return sql`to_char(${sql(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
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
