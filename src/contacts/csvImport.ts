import { type CsvColumnSpec, type CsvColumns, columnKey, mapCsvHeader } from '../csv/csvHeader.js';
import { CsvImportError } from '../csv/csvImportError.js';
import { type CsvInput, CsvReader } from '../csv/csvReader.js';
import type { Sql } from '../db/database.js';
import {
  finishImport,
  type ImportIssueRow,
  type ImportKind,
  type RejectedRowRecord,
  recordImportBatch,
  recordImportHeader,
  startImport,
} from './importRecord.js';
import {
  type ImportRepeat,
  type ImportReport,
  ImportReportBuilder,
  type ImportRowError,
  withShortValue,
} from './importReport.js';

/** Rows per write: big enough to be fast, small enough to keep memory flat. */
export const IMPORT_BATCH_SIZE = 1000;
/** A running import's counts are recorded at least every this many batches (and with every problem). */
const PROGRESS_EVERY = 10;

export interface ImportProgress {
  rows: number;
  bytes: number;
}

/** A row read: kept (with the warnings of cells it dropped or read with a note), or rejected. */
export type RowResult<R> =
  | { ok: true; value: R; warnings?: ImportRowError[] }
  | { ok: false; errors: ImportRowError[] };

/** A row to write and the line it came from (the latest one, when the file repeats its key). */
export interface LinedRow<R> {
  line: number;
  row: R;
}

/** What writing a batch did; `repeats`: rows whose key an earlier batch of the same import wrote. */
export interface BatchWritten {
  inserted: number;
  updated: number;
  repeats: ImportRepeat[];
  /** Contacts whose consent the batch withdrew (contacts only). */
  consentWithdrawn?: number;
  /** Rows the writer found it cannot write (what it learnt from the database), rejected as a read row is. */
  rejected?: Array<{ line: number; cells: readonly string[]; errors: ImportRowError[] }>;
}

/** What one kind of import (contacts, appointments) plugs into runCsvImport. */
export interface CsvImportKind<K extends string, R> {
  kind: ImportKind;
  columns: CsvColumnSpec<K>;
  /** The column holding the key (phone, external id), for reports of repeated keys. */
  keyColumn: K;
  /** The column a header name stands for when it is not the column's own name (`Телефон` → phone). */
  columnOf?: (name: string) => K | undefined;
  readRow(row: { line: number; cells: string[] }, columns: CsvColumns<K>): RowResult<R>;
  /** The record a row writes (phone, external id): a batch holds each key once. */
  key(row: R): string;
  /** A later row for the same key folded into the earlier one, as if written one after the other. */
  applyInOrder(earlier: R, later: R): R;
  /** What a repeated key does, in words, for the report. */
  repeatRule: string;
  /** Writes one batch (each key once), in as few statements as it can, and says what it did. */
  writeBatch(rows: LinedRow<R>[], importId: number): Promise<BatchWritten>;
}

export interface CsvImportOptions {
  now: Date;
  /** The file's name, or "api": kept in the import's record. */
  source?: string;
  /** The list the import adds contacts to, for the record. */
  listName?: string;
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Called once the import's record exists, with its id: a caller may follow it while it runs. */
  onStart?: (importId: number) => void;
  /** Columns renamed before they are read (a console's column mapping): the file's name → the column it is. */
  renameColumns?: Readonly<Record<string, string>>;
}

/**
 * The streaming skeleton of a CSV import: read and validate rows one by one, write them in batches
 * of `batchSize` (each committed on its own, so memory stays flat and a failure keeps what was
 * written; the next batch is read while the last one is written), and keep a record of the import
 * with every problem and every rejected row. A bad optional cell is dropped with a warning and the
 * row kept; a bad required cell rejects the row. A key repeated within a batch is folded before
 * writing, because one set-based upsert cannot touch a row twice; the folded row counts as an update,
 * which is what it would have been in a later batch (where the writer itself finds the repeat).
 * `onProgress` hears after every batch read, and once more at the end when rows were read since.
 */
export async function runCsvImport<K extends string, R>(
  sql: Sql,
  input: CsvInput,
  kind: CsvImportKind<K, R>,
  options: CsvImportOptions,
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  const importId = await startImport(sql, {
    kind: kind.kind,
    source: options.source,
    listName: options.listName,
    now: options.now,
  });
  options.onStart?.(importId);
  const reader = new CsvReader(input);
  const report = new ImportReportBuilder(importId, kind.repeatRule);
  let batch = new Map<string, LinedRow<R>>();
  let folded = 0;
  let problems: { issues: ImportIssueRow[]; rejectedRows: RejectedRowRecord[] } = {
    issues: [],
    rejectedRows: [],
  };
  let columns: CsvColumns<K> | undefined;
  let keyColumnName: string = kind.keyColumn;
  // The previous batch's write: the next batch is read and validated while it runs.
  let writing: Promise<void> | undefined;
  let batchesWritten = 0;

  const repeatIssue = (repeat: ImportRepeat): ImportIssueRow => ({
    line: repeat.line,
    kind: 'repeated',
    column: keyColumnName,
    value: repeat.key,
    reason: `repeats line ${repeat.earlierLine}: ${kind.repeatRule}`,
  });
  const write = async (
    rows: LinedRow<R>[],
    foldedInBatch: number,
    batchProblems: { issues: ImportIssueRow[]; rejectedRows: RejectedRowRecord[] },
  ) => {
    const written =
      rows.length === 0 ? { inserted: 0, updated: 0, repeats: [] } : await kind.writeBatch(rows, importId);
    report.accept({
      inserted: written.inserted,
      updated: written.updated + foldedInBatch,
      consentWithdrawn: written.consentWithdrawn ?? 0,
    });
    report.repeat(written.repeats);
    const issues = [...batchProblems.issues, ...written.repeats.map(repeatIssue)];
    for (const rejected of written.rejected ?? []) {
      report.reject(rejected.errors);
      for (const error of rejected.errors) issues.push({ ...withShortValue(error), kind: 'rejected' });
      batchProblems.rejectedRows.push({
        line: rejected.line,
        cells: [...rejected.cells],
        reason: rejectReason(rejected.errors),
      });
    }
    // A clean batch records nothing but progress, and that only every PROGRESS_EVERY batches: the
    // record's counts are made final when the import ends.
    batchesWritten++;
    const clean = issues.length === 0 && batchProblems.rejectedRows.length === 0;
    if (clean && batchesWritten % PROGRESS_EVERY !== 1) return;
    await recordImportBatch(sql, importId, { ...batchProblems, issues, counts: report.counts() });
  };
  let progressRows: number | undefined;
  const flush = async (last: boolean) => {
    // One write at a time, in file order, so a later batch's rows land after an earlier one's.
    await writing;
    writing = undefined;
    if (batch.size > 0 || problems.issues.length > 0 || problems.rejectedRows.length > 0) {
      writing = write([...batch.values()], folded, problems);
      // Handled here so a failure waits for the next flush instead of crashing the process.
      writing.catch(() => {});
      batch = new Map();
      folded = 0;
      problems = { issues: [], rejectedRows: [] };
    }
    if (last) await writing;
    if (progressRows !== report.rows) options.onProgress?.({ rows: report.rows, bytes: reader.bytesRead });
    progressRows = report.rows;
  };
  const reject = (line: number, cells: readonly string[] | undefined, errors: ImportRowError[]) => {
    report.reject(errors);
    for (const error of errors) problems.issues.push({ ...withShortValue(error), kind: 'rejected' });
    problems.rejectedRows.push({ line, cells: [...(cells ?? [])], reason: rejectReason(errors) });
  };

  try {
    for await (const item of reader) {
      if (item.kind === 'header') {
        const rename = options.renameColumns ?? aliasRenames(item.names, item.line, kind);
        const names = item.names.map((name) => (Object.hasOwn(rename, name) ? rename[name]! : name));
        columns = mapCsvHeader(names, item.line, kind.columns);
        // Problems name the column as the file spells it (`Телефон`), not as it was read.
        if (options.renameColumns === undefined) columns.names = [...item.names];
        const keyIndex = columns.known[kind.keyColumn];
        keyColumnName = (keyIndex === undefined ? undefined : columns.names[keyIndex]) ?? kind.keyColumn;
        await recordImportHeader(sql, importId, item.names);
        continue;
      }
      report.countRow();
      if (item.kind === 'problem') reject(item.line, item.cells, item.errors);
      else {
        const { cells, dropped, errors } = dropOverlongCells(item, columns!, kind.columns.required);
        const result: RowResult<R> =
          errors.length > 0 ? { ok: false, errors } : kind.readRow({ line: item.line, cells }, columns!);
        if (!result.ok) reject(item.line, item.cells, result.errors);
        else {
          const warnings = [...dropped, ...(result.warnings ?? [])];
          report.warn(warnings);
          for (const warning of warnings)
            problems.issues.push({ ...withShortValue(warning), kind: 'warning' });
          const key = kind.key(result.value);
          const earlier = batch.get(key);
          if (earlier === undefined) batch.set(key, { line: item.line, row: result.value });
          else {
            folded++;
            const repeat = { line: item.line, key, earlierLine: earlier.line };
            report.repeat([repeat]);
            problems.issues.push(repeatIssue(repeat));
            batch.set(key, { line: item.line, row: kind.applyInOrder(earlier.row, result.value) });
          }
        }
      }
      if (report.rows % batchSize === 0) await flush(false);
    }
    await flush(true);
  } catch (error) {
    // Never leave a write running behind a failure: when this throws, the database is settled.
    await writing?.catch(() => {});
    const message = error instanceof Error ? error.message : String(error);
    await finishImport(sql, importId, {
      now: options.now,
      counts: report.counts(),
      error: message.slice(0, 1000),
    }).catch(() => {});
    throw error;
  }
  await finishImport(sql, importId, { now: options.now, counts: report.counts() });
  return report.build();
}

/** A rejected row's reason in the rejects file: its problems, each with its column. */
function rejectReason(errors: readonly ImportRowError[]): string {
  return errors.map((e) => (e.column ? `${e.column}: ${e.reason}` : e.reason)).join('; ');
}

/**
 * The header's aliases read as the columns they stand for (`Телефон` → phone). Two names for one
 * column (`phone` and `Телефон`) refuse the file: which one to read would be a guess. A console's
 * explicit mapping (renameColumns) replaces this guess.
 */
function aliasRenames<K extends string, R>(
  names: readonly string[],
  line: number,
  kind: CsvImportKind<K, R>,
): Record<string, string> {
  const rename: Record<string, string> = {};
  if (kind.columnOf === undefined) return rename;
  const byColumn = new Map<K, string>();
  for (const name of names) {
    const column = kind.columnOf(name);
    if (column === undefined) continue;
    const earlier = byColumn.get(column);
    // The very same name twice is mapCsvHeader's "appears twice".
    if (earlier !== undefined && columnKey(earlier) !== columnKey(name)) {
      throw new CsvImportError(
        'csv_duplicate_column',
        `line ${line}: the columns "${earlier}" and "${name}" are both the ${column} column: keep one of them`,
        { line, column: name },
        { columns: [earlier, name] },
      );
    }
    byColumn.set(column, name);
    if (name !== column) rename[name] = column;
  }
  return rename;
}

/**
 * Cells over the reader's length limit: in a required column they reject the row; elsewhere the cell
 * is dropped (read as empty) with a warning, and the row kept.
 */
function dropOverlongCells<K extends string>(
  item: { cells: string[]; tooLong: Array<{ index: number; error: ImportRowError }> },
  columns: CsvColumns<K>,
  required: readonly K[],
): { cells: string[]; dropped: ImportRowError[]; errors: ImportRowError[] } {
  if (item.tooLong.length === 0) return { cells: item.cells, dropped: [], errors: [] };
  const requiredIndexes = new Set(required.map((column) => columns.known[column]));
  const cells = [...item.cells];
  const dropped: ImportRowError[] = [];
  const errors: ImportRowError[] = [];
  for (const { index, error } of item.tooLong) {
    if (requiredIndexes.has(index)) errors.push(error);
    else {
      cells[index] = '';
      dropped.push({ ...error, reason: `${error.reason}: the cell was left out` });
    }
  }
  return { cells, dropped, errors };
}
