import { csvRawLine } from '../csv/csvCell.js';
// A file of rejected rows, fixed, imports again as it is: the import reads past these columns.
import { REJECTED_ROW_COLUMNS } from '../csv/csvHeader.js';
import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';
import type { ImportIssueKind, ImportKind } from './importRecord.js';
import type { ImportCounts } from './importReport.js';

/** An import as recorded: what it did (its counts, final once it ended), and its header. */
export interface ImportRecord extends ImportCounts {
  id: number;
  kind: ImportKind;
  source: string | null;
  listName: string | null;
  status: 'running' | 'completed' | 'failed';
  error: string | null;
  header: string[];
  startedAt: Date;
  finishedAt: Date | null;
}

export interface ImportIssue {
  line: number;
  kind: ImportIssueKind;
  column: string | null;
  value: string | null;
  reason: string;
}

export class ImportNotFoundError extends BroadcasterError {
  constructor(importId: number) {
    super('import_not_found', `import ${importId} does not exist`, { importId });
  }
}

const RECORD_COLUMNS = (sql: Sql) => sql`
  id, kind, source, list_name as "listName", status, error, header, rows, inserted, updated, rejected,
  warned, repeated, consent_withdrawn as "consentWithdrawn", started_at as "startedAt",
  finished_at as "finishedAt"`;

export async function getImport(sql: Sql, importId: number): Promise<ImportRecord> {
  const [record] = await sql<ImportRecord[]>`
    select ${RECORD_COLUMNS(sql)} from imports where id = ${importId}`;
  if (!record) throw new ImportNotFoundError(importId);
  return record;
}

/** The most recent imports first. */
export async function listImports(
  sql: Sql,
  page: { limit: number; offset: number; kind?: ImportKind },
): Promise<{ items: ImportRecord[]; total: number }> {
  const where = page.kind === undefined ? sql`` : sql`where kind = ${page.kind}`;
  const items = await sql<ImportRecord[]>`
    select ${RECORD_COLUMNS(sql)} from imports ${where}
    order by id desc limit ${page.limit} offset ${page.offset}`;
  const [counted] = await sql<{ total: number }[]>`select count(*)::int as total from imports ${where}`;
  return { items, total: counted?.total ?? 0 };
}

/** An import's problems in line order, a page at a time, optionally of one kind. */
export async function listImportIssues(
  sql: Sql,
  importId: number,
  page: { limit: number; offset: number; kind?: ImportIssueKind },
): Promise<{ items: ImportIssue[]; total: number }> {
  await getImport(sql, importId);
  const where = sql`where import_id = ${importId} ${page.kind === undefined ? sql`` : sql`and kind = ${page.kind}`}`;
  const items = await sql<ImportIssue[]>`
    select line, kind, column_name as column, value, reason from import_issues ${where}
    order by line, id limit ${page.limit} offset ${page.offset}`;
  const [counted] = await sql<{ total: number }[]>`select count(*)::int as total from import_issues ${where}`;
  return { items, total: counted?.total ?? 0 };
}

const REJECTED_PAGE = 1000;

/**
 * An import's rejected rows as a CSV to fix and import again: `rejected_line`, `rejected_reason`, then
 * the file's own columns with the cells as they were read (none for a line that could not be read).
 * Read a page at a time, so a file of a million rejected rows streams in flat memory.
 */
export async function* rejectedRowsCsv(sql: Sql, importId: number): AsyncGenerator<string> {
  const record = await getImport(sql, importId);
  yield csvRawLine([...REJECTED_ROW_COLUMNS, ...record.header]);
  let after = 0;
  for (;;) {
    const rows = await sql<{ line: number; cells: string[]; reason: string }[]>`
      select line, cells, reason from import_rejected_rows
      where import_id = ${importId} and line > ${after}
      order by line limit ${REJECTED_PAGE}`;
    for (const row of rows) yield csvRawLine([row.line, row.reason, ...row.cells]);
    if (rows.length < REJECTED_PAGE) return;
    after = rows[rows.length - 1]!.line;
  }
}

/** Deletes an import's record with its problems and rejected rows (the contacts it wrote stay). */
export async function deleteImport(sql: Sql, importId: number): Promise<void> {
  const deleted = await sql`delete from imports where id = ${importId} returning id`;
  if (deleted.length === 0) throw new ImportNotFoundError(importId);
}
