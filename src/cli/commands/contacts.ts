import { importContactsCsv } from '../../contacts/importContacts.js';
import { parseCommandArgs, UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { importCsvFile } from '../csvImport.js';
import { exactPositionals, splitSubcommand } from '../positionals.js';

export const contactsHelp = `Usage: broadcaster contacts import FILE.csv [--list NAME] [--json]

Imports contacts from a CSV file with a header row, adding new phones and updating known ones:
  phone          required; digits with the country code (+, spaces, dashes and brackets are fine)
  name           the contact's name
  timezone       IANA time zone (e.g. Europe/Moscow), for send windows
  opted_in       true/false, or the ISO time consent was given
  opt_in_source  where the consent came from
  any other column becomes a template attribute of the contact ({{column}}).

Options:
  --list NAME    also add every imported contact to this list (made if it does not exist)
  --json         print the import report as JSON (no progress bar)

Rows that cannot be imported (a bad phone, a bad time zone, broken quoting) are rejected one by
one, with their line numbers, and never hold up the good rows. Exit code 0 when anything was
imported (rejected rows are listed, and are in the report); 1 when nothing could be imported
(e.g. no phone column) or the file cannot be read; 2 for wrong arguments.`;

export async function contactsCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { rest } = splitSubcommand('contacts', argv, ['import'] as const);
  const { values, positionals } = parseCommandArgs(rest, { list: { type: 'string' } });
  const [file] = exactPositionals('contacts import', positionals, ['FILE.csv']);
  const list = values.list?.trim();
  if (list === '') throw new UsageError('--list needs a list name');
  await importCsvFile(ctx, {
    file: file!,
    json: values.json === true,
    noun: 'contacts',
    importer: (sql, input, options) =>
      importContactsCsv(sql, input, { ...options, ...(list === undefined ? {} : { list }) }),
  });
}
