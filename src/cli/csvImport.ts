import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemClock } from '../clock.js';
import { rejectedRowsCsv } from '../contacts/importQueries.js';
import type { ImportReport, ImportRowError } from '../contacts/importReport.js';
import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';
import type { PhoneRegion } from '../phones/phone.js';
import { type CommandContext, printJson } from './context.js';
import { openDatabase } from './database.js';
import { inputFileSize } from './inputFile.js';
import { createProgress, formatCount } from './progress.js';
import { formatTable } from './table.js';

/** Rejected rows a person sees in the terminal; --json and the import's record carry the rest. */
const ERRORS_SHOWN = 20;
/** Lines listed after each kind of warning, and kinds of warning listed. */
const LINES_SHOWN = 8;
const GROUPS_SHOWN = 12;

export interface CsvFileImportOptions {
  now: Date;
  phoneRegion: PhoneRegion;
  defaultTimezone: string;
  source: string;
  onProgress: (p: { rows: number; bytes: number }) => void;
}

export type CsvImporter = (sql: Sql, input: Readable, options: CsvFileImportOptions) => Promise<ImportReport>;

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
 * Reads a CSV file into an importer, with a progress bar on stderr (bytes, rows and rows a second),
 * prints the report (a summary, warnings grouped by what they say, the first rejected rows; or
 * JSON), writes every rejected row to `rejects` when asked, and fails when rows were rejected and
 * none accepted.
 */
export async function importCsvFile(
  ctx: CommandContext,
  options: { file: string; json: boolean; noun: string; importer: CsvImporter; rejects?: string | undefined },
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
    itemName: 'rows',
  });
  let report: ImportReport;
  try {
    report = await options.importer(db.sql, input, {
      now: systemClock.now(),
      phoneRegion: ctx.config.phoneRegion,
      defaultTimezone: ctx.config.defaultTimezone,
      source: file,
      onProgress: ({ rows, bytes }) => progress.update({ done: bytes, total: size, items: rows }),
    });
  } finally {
    progress.finish();
    input.destroy();
  }

  if (options.rejects !== undefined) {
    await pipeline(rejectedRowsCsv(db.sql, report.importId), createWriteStream(options.rejects));
  }
  if (json) printJson(ctx.stdout, report);
  else ctx.stdout.write(`${formatImportReport(file, report, { rejectsFile: options.rejects })}\n`);
  if (report.inserted + report.updated === 0 && (report.rejected > 0 || report.errors.length > 0)) {
    throw new NothingImportedError(file, report);
  }
  return report;
}

export function formatImportReport(
  file: string,
  report: ImportReport,
  options: { rejectsFile?: string | undefined } = {},
): string {
  const lines = [
    `${file}: ${formatCount(report.rows)} ${report.rows === 1 ? 'row' : 'rows'}; ${formatCount(report.inserted)} inserted, ` +
      `${formatCount(report.updated)} updated, ${formatCount(report.rejected)} rejected.` +
      ` (import ${report.importId})`,
  ];
  if (report.consentWithdrawn > 0) {
    lines.push(
      `Consent withdrawn: ${formatCount(report.consentWithdrawn)} ${report.consentWithdrawn === 1 ? 'contact' : 'contacts'} ` +
        '(opted_in said no): their broadcasts not yet sent are skipped.',
    );
  }
  if (report.warned > 0) {
    lines.push(
      '',
      `Imported with warnings: ${formatCount(report.warned)} ${report.warned === 1 ? 'row' : 'rows'} ` +
        '(each was imported; the warning says what was left out or how a value was read):',
      ...groupedWarnings(report),
    );
    if (report.warningsTruncated) {
      lines.push(
        `  (the first ${formatCount(report.warnings.length)} warnings are counted above; ` +
          `every one: GET /api/v1/imports/${report.importId}/issues?kind=warning)`,
      );
    }
  }
  if (report.repeated > 0) {
    const shown = report.repeats
      .slice(0, LINES_SHOWN)
      .map((r) => `line ${r.line} repeats line ${r.earlierLine} (${r.key})`);
    lines.push(
      '',
      `Repeated in the file: ${formatCount(report.repeated)} ${report.repeated === 1 ? 'row' : 'rows'} ` +
        `(${report.repeatRule}):`,
      ...shown.map((text) => `  ${text}`),
    );
    if (report.repeated > shown.length) lines.push(`  … ${formatCount(report.repeated - shown.length)} more`);
  }
  if (report.errors.length > 0) {
    const shown = report.errors.slice(0, ERRORS_SHOWN);
    const partial = report.errors.length > shown.length || report.errorsTruncated;
    lines.push(
      '',
      `Rejected rows${partial ? ` (the first ${shown.length} problems)` : ''}:`,
      formatTable(
        [{ header: 'LINE', align: 'right' }, 'COLUMN', 'VALUE', 'REASON'],
        shown.map((e) => [e.line, e.column, e.value === undefined ? undefined : truncate(e.value), e.reason]),
      ),
    );
  }
  if (options.rejectsFile !== undefined) {
    lines.push(
      '',
      `${report.rejected === 0 ? 'No rows were rejected; ' : ''}${formatCount(report.rejected)} rejected ` +
        `${report.rejected === 1 ? 'row' : 'rows'} written to ${options.rejectsFile}, each with its line and reason: ` +
        'fix them there and import that file.',
    );
  } else if (report.rejected > 0) {
    lines.push('', 'Every rejected row, to fix and import again: add --rejects FILE.csv.');
  }
  return lines.join('\n');
}

/** Warnings grouped by column and reason, with how many and the first lines of each. */
function groupedWarnings(report: ImportReport): string[] {
  const groups = new Map<string, { column: string | undefined; reason: string; lines: number[] }>();
  for (const warning of report.warnings) {
    const key = `${warning.column ?? ''}\u0000${warning.reason}`;
    const group = groups.get(key) ?? { column: warning.column, reason: warning.reason, lines: [] };
    group.lines.push(warning.line);
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => b.lines.length - a.lines.length);
  const more =
    sorted.length > GROUPS_SHOWN
      ? [`  … and ${sorted.length - GROUPS_SHOWN} other kinds of warning (--json lists them)`]
      : [];
  return sorted
    .slice(0, GROUPS_SHOWN)
    .map((g) => {
      const shown = g.lines.slice(0, LINES_SHOWN).join(', ');
      const rest = g.lines.length > LINES_SHOWN ? ', …' : '';
      return `  ${g.column ? `${g.column}: ` : ''}${g.reason} — ${formatCount(g.lines.length)} (line${g.lines.length === 1 ? '' : 's'} ${shown}${rest})`;
    })
    .concat(more);
}

function describeRowError(error: ImportRowError): string {
  return error.column ? `${error.column}: ${error.reason}` : error.reason;
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
