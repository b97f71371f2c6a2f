import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { systemClock } from '../clock.js';
import type { ImportReport } from '../contacts/importReport.js';
import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';
import { type CommandContext, printJson } from './context.js';
import { openDatabase } from './database.js';
import { inputFileSize } from './inputFile.js';
import { createProgress, formatCount } from './progress.js';
import { formatTable } from './table.js';

/** Rejected rows a person sees in the terminal; --json carries every one the importer kept. */
const ERRORS_SHOWN = 20;

export type CsvImporter = (
  sql: Sql,
  input: Readable,
  options: { now: Date; onProgress: (p: { rows: number; bytes: number }) => void },
) => Promise<ImportReport>;

/** Nothing in the file could be imported: the command fails, after printing why row by row. */
export class NothingImportedError extends BroadcasterError {
  constructor(
    readonly file: string,
    report: ImportReport,
  ) {
    const first = report.errors[0];
    const why = first ? `; line ${first.line}: ${describeRowError(first)}` : '';
    super(
      'nothing_imported',
      `nothing imported from ${file}: ${report.rejected} ${report.rejected === 1 ? 'row' : 'rows'} rejected${why}`,
      {
        file,
        rejected: report.rejected,
      },
    );
  }
}

/**
 * Reads a CSV file into an importer, with a progress bar on stderr, prints the
 * report (a summary and the first rejected rows, or JSON), and fails when rows were rejected and
 * none accepted.
 */
export async function importCsvFile(
  ctx: CommandContext,
  options: { file: string; json: boolean; noun: string; importer: CsvImporter },
): Promise<ImportReport> {
  const { file, json } = options;
  const size = await inputFileSize(file);
  const db = await openDatabase(ctx);
  const input = createReadStream(file);
  const progress = createProgress({
    stream: process.stderr,
    label: `Importing ${options.noun} from ${file}`,
    mode: json ? 'off' : 'auto',
    unit: 'bytes',
  });
  let report: ImportReport;
  try {
    report = await options.importer(db.sql, input, {
      now: systemClock.now(),
      onProgress: ({ rows, bytes }) =>
        progress.update({ done: bytes, total: size, detail: `${formatCount(rows)} rows` }),
    });
  } finally {
    progress.finish();
    input.destroy();
  }

  if (json) printJson(ctx.stdout, report);
  else ctx.stdout.write(`${formatImportReport(file, report)}\n`);
  if (report.inserted + report.updated === 0 && (report.rejected > 0 || report.errors.length > 0)) {
    throw new NothingImportedError(file, report);
  }
  return report;
}

export function formatImportReport(file: string, report: ImportReport): string {
  const lines = [
    `${file}: ${formatCount(report.rows)} ${report.rows === 1 ? 'row' : 'rows'}; ${formatCount(report.inserted)} inserted, ` +
      `${formatCount(report.updated)} updated, ${formatCount(report.rejected)} rejected.`,
  ];
  if (report.errors.length > 0) {
    const shown = report.errors.slice(0, ERRORS_SHOWN);
    lines.push(
      '',
      `Rejected rows${report.errors.length > shown.length || report.errorsTruncated ? ` (the first ${shown.length})` : ''}:`,
      formatTable(
        [{ header: 'LINE', align: 'right' }, 'COLUMN', 'VALUE', 'REASON'],
        shown.map((e) => [e.line, e.column, e.value === undefined ? undefined : truncate(e.value), e.reason]),
      ),
    );
    if (report.errors.length > shown.length || report.errorsTruncated) {
      lines.push('(--json lists every rejected row the import kept)');
    }
  }
  return lines.join('\n');
}

function describeRowError(error: ImportReport['errors'][number]): string {
  return error.column ? `${error.column}: ${error.reason}` : error.reason;
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
