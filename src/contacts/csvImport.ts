import { type CsvColumnSpec, type CsvColumns, mapCsvHeader } from './csvHeader.js';
import { type CsvInput, CsvReader } from './csvReader.js';
import { type ImportReport, ImportReportBuilder, type ImportRowError } from './importReport.js';

/** Rows per write: big enough to be fast, small enough to keep memory flat. */
export const IMPORT_BATCH_SIZE = 1000;

export interface ImportProgress {
  rows: number;
  bytes: number;
}

export type RowResult<R> = { ok: true; value: R } | { ok: false; errors: ImportRowError[] };

/** What one kind of import (contacts, appointments) plugs into runCsvImport. */
export interface CsvImportKind<K extends string, R> {
  columns: CsvColumnSpec<K>;
  readRow(row: { line: number; cells: string[] }, columns: CsvColumns<K>): RowResult<R>;
  /** The record a row writes (phone, external id): a batch holds each key once. */
  key(row: R): string;
  /** A later row for the same key folded into the earlier one, as if written one after the other. */
  applyInOrder(earlier: R, later: R): R;
  /** Writes one batch (each key once), in as few statements as it can, and says what it did. */
  writeBatch(rows: R[]): Promise<{ inserted: number; updated: number }>;
}

/**
 * The streaming skeleton of a CSV import: read and validate rows one by one, write them in batches
 * of `batchSize` (each committed on its own, so memory stays flat and a failure keeps what was
 * written; the next batch is read while the last one is written), report every rejected row. A key
 * repeated within a batch is folded before writing, because one set-based upsert cannot touch a row
 * twice; the folded row counts as an update, which is what it would have been in a later batch.
 * `onProgress` hears after every batch read, and once more at the end when rows were read since.
 */
export async function runCsvImport<K extends string, R>(
  input: CsvInput,
  kind: CsvImportKind<K, R>,
  options: { batchSize?: number; onProgress?: (progress: ImportProgress) => void },
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  const reader = new CsvReader(input);
  const report = new ImportReportBuilder();
  let batch = new Map<string, R>();
  let repeated = 0;
  let columns: CsvColumns<K> | undefined;
  // The previous batch's write: the next batch is read and validated while it runs.
  let writing: Promise<void> | undefined;

  const write = async (rows: R[], repeatedInBatch: number) => {
    const counts = await kind.writeBatch(rows);
    report.accept({ inserted: counts.inserted, updated: counts.updated + repeatedInBatch });
  };
  let progressRows: number | undefined;
  const flush = async (last: boolean) => {
    // One write at a time, in file order, so a later batch's rows land after an earlier one's.
    await writing;
    writing = undefined;
    if (batch.size > 0) {
      writing = write([...batch.values()], repeated);
      // Handled here so a failure waits for the next flush instead of crashing the process.
      writing.catch(() => {});
      batch = new Map();
      repeated = 0;
    }
    if (last) await writing;
    if (progressRows !== report.rows) options.onProgress?.({ rows: report.rows, bytes: reader.bytesRead });
    progressRows = report.rows;
  };

  try {
    for await (const item of reader) {
      if (item.kind === 'header') {
        columns = mapCsvHeader(item.names, item.line, kind.columns);
        continue;
      }
      report.countRow();
      const result = item.kind === 'problem' ? item : kind.readRow(item, columns!);
      if ('errors' in result) report.reject(result.errors);
      else {
        const key = kind.key(result.value);
        const earlier = batch.get(key);
        if (earlier !== undefined) repeated++;
        batch.set(key, earlier === undefined ? result.value : kind.applyInOrder(earlier, result.value));
      }
      if (report.rows % batchSize === 0) await flush(false);
    }
    await flush(true);
  } finally {
    // Never leave a write running behind a failure: when this returns or throws, the database is settled.
    await writing?.catch(() => {});
  }
  return report.build();
}
