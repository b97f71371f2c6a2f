import { campaignReport, formatCampaignReport } from '../../reports/campaignReport.js';
import { writeRecipientsCsv } from '../../reports/recipientsCsv.js';
import { choiceOption, parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';
import { openDatabase } from '../database.js';
import { exactPositionals, idArgument } from '../positionals.js';

const FORMATS = ['table', 'csv', 'json'] as const;

export const reportHelp = `Usage: broadcaster report ID [--format table|csv|json] [--excel] [--run RUN_ID]

The delivery report of campaign ID: deliveries per state and per reason, per transport and
channel, send rate, delivery and read rates (where the transport reports them), latency from due
to sent, and the failures with their reasons.

Options:
  --format table   for people (default)
  --format json    the whole report: {"campaignId", "status", "counts": {state: n}, "reasons":
                   {reason: n}, …}; --json is the same
  --format csv     one line per recipient: phone, name, state, reason, times, message id, the
                   contact's time zone, planned_at (when a queued or waiting row is to go), and
                   text (the message as sent)
  --excel          the CSV for Excel (implies --format csv): a UTF-8 BOM and ";" between cells,
                   as Excel in a Russian locale opens it (the console's "for Excel" download too)
  --run RUN_ID     only that run of the campaign (see campaign show ID)

Examples:
  broadcaster report 12
  broadcaster report 12 --format json
  broadcaster report 12 --format csv > recipients.csv
  broadcaster report 12 --excel > recipients.csv

Exit codes: 0; 1 when the campaign or run does not exist; 2 for wrong arguments.`;

export async function reportCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    format: { type: 'string' },
    run: { type: 'string' },
    excel: { type: 'boolean' },
  });
  const [rawId] = exactPositionals('report', positionals, ['ID']);
  const campaignId = idArgument('ID', rawId!);
  const chosen = choiceOption('format', values.format, FORMATS);
  if (values.json && chosen !== undefined && chosen !== 'json') {
    throw new UsageError(`--json and --format ${chosen} disagree; give one of them`);
  }
  const excel = values.excel === true;
  if (excel && (values.json || (chosen !== undefined && chosen !== 'csv'))) {
    throw new UsageError(
      `--excel writes CSV; it cannot go with ${values.json ? '--json' : `--format ${chosen}`}`,
    );
  }
  const format = values.json ? 'json' : excel ? 'csv' : (chosen ?? 'table');
  const runId = values.run === undefined ? undefined : idArgument('--run', values.run);

  const db = await openDatabase(ctx);
  // Also for CSV: an unknown campaign or run fails before a single line is written.
  const report = await campaignReport(db.sql, campaignId, runId === undefined ? {} : { runId });
  if (format === 'json') printJson(ctx.stdout, report);
  else if (format === 'table') ctx.stdout.write(`${formatCampaignReport(report)}\n`);
  else {
    await writeRecipientsCsv(db.sql, campaignId, process.stdout, { runId, excel });
    // The process exits right after: let what stdout still buffers (a pipe on macOS) go first.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  }
}
