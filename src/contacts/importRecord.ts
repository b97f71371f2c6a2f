import type { Sql } from '../db/database.js';
import type { ImportCounts } from './importReport.js';

/**
 * The record of one CSV import (tables imports, import_issues, import_rejected_rows): started before
 * the first row, its problems and rejected rows written with each batch (one statement), its counts
 * kept current, and finished with its status. What the report lists in part, the record keeps whole.
 */
export type ImportKind = 'contacts' | 'appointments';
export type ImportIssueKind = 'rejected' | 'warning' | 'repeated';

export interface ImportIssueRow {
  line: number;
  kind: ImportIssueKind;
  column?: string | undefined;
  value?: string | undefined;
  reason: string;
}

export interface RejectedRowRecord {
  line: number;
  /** The row's cells as read; empty when the line could not be read at all (broken quoting). */
  cells: string[];
  reason: string;
}

export async function startImport(
  sql: Sql,
  what: { kind: ImportKind; source: string | undefined; listName: string | undefined; now: Date },
): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into imports (kind, source, list_name, started_at)
    values (${what.kind}, ${what.source ?? null}, ${what.listName ?? null}, ${what.now})
    returning id`;
  return row!.id;
}

export async function recordImportHeader(
  sql: Sql,
  importId: number,
  header: readonly string[],
): Promise<void> {
  // As JSON, like every batch: the statement needs no array type looked up first.
  await sql`
    update imports set header = array(select json_array_elements_text(${JSON.stringify(header)}::text::json))
    where id = ${importId}`;
}

/** A batch's problems and rejected rows, and the counts so far, in one statement. */
export async function recordImportBatch(
  sql: Sql,
  importId: number,
  batch: {
    issues: readonly ImportIssueRow[];
    rejectedRows: readonly RejectedRowRecord[];
    counts: ImportCounts;
  },
): Promise<void> {
  const issues = JSON.stringify(
    batch.issues.map((i) => ({
      line: i.line,
      kind: i.kind,
      column_name: i.column ?? null,
      value: i.value ?? null,
      reason: i.reason,
    })),
  );
  const rejected = JSON.stringify(batch.rejectedRows);
  const { counts } = batch;
  await sql`
    with issues as (
      insert into import_issues (import_id, line, kind, column_name, value, reason)
      select ${importId}, line, kind, column_name, value, reason
      from json_to_recordset(${issues}::text::json)
        as r(line int, kind text, column_name text, value text, reason text)
    ),
    rejected as (
      insert into import_rejected_rows (import_id, line, cells, reason)
      select ${importId}, r.line, array(select json_array_elements_text(r.cells)), r.reason
      from json_to_recordset(${rejected}::text::json) as r(line int, cells json, reason text)
      on conflict (import_id, line) do nothing
    )
    update imports set rows = ${counts.rows}, inserted = ${counts.inserted}, updated = ${counts.updated},
                       rejected = ${counts.rejected}, warned = ${counts.warned}, repeated = ${counts.repeated},
                       consent_withdrawn = ${counts.consentWithdrawn}
    where id = ${importId}`;
}

export async function finishImport(
  sql: Sql,
  importId: number,
  outcome: { now: Date; counts: ImportCounts; error?: string },
): Promise<void> {
  const { counts } = outcome;
  await sql`
    update imports set status = ${outcome.error === undefined ? 'completed' : 'failed'},
                       error = ${outcome.error ?? null}, finished_at = ${outcome.now},
                       rows = ${counts.rows}, inserted = ${counts.inserted}, updated = ${counts.updated},
                       rejected = ${counts.rejected}, warned = ${counts.warned}, repeated = ${counts.repeated},
                       consent_withdrawn = ${counts.consentWithdrawn}
    where id = ${importId}`;
}
