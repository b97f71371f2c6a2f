import { systemClock } from '../../clock.js';
import { importContactsCsv } from '../../contacts/importContacts.js';
import { normalizeStoredPhones, type PhoneNormalization } from '../../contacts/normalizeStoredPhones.js';
import { parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';
import { importCsvFile } from '../csvImport.js';
import { openDatabase } from '../database.js';
import { exactPositionals, splitSubcommand } from '../positionals.js';
import { formatCount } from '../progress.js';
import {
  deleteContactCommand,
  exportContactsCommand,
  listContactsCommand,
  optOutContactCommand,
  showContactCommand,
} from './contactViews.js';

export const contactsHelp = `Usage: broadcaster contacts import FILE.csv [--list NAME] [--rejects FILE.csv] [--json]
       broadcaster contacts list [--list NAME] [--search TEXT] [--limit N] [--offset N] [--json]
       broadcaster contacts show PHONE|ID [--json]
       broadcaster contacts export [--list NAME] [--out FILE.csv] [--json]
       broadcaster contacts opt-out PHONE|ID [--reason TEXT] [--json]
       broadcaster contacts delete PHONE|ID [--json]
       broadcaster contacts normalize [--dry-run] [--json]

A contact is named by its id (up to six digits: 12) or its phone as people write it (+7 916 123-45-67).

import: contacts from a CSV file with a header row (comma or semicolon, UTF-8), adding new phones
and updating known ones:
  phone          required; as people write it: +7 916 123-45-67, 8 (916) 123-45-67, 9161234567
                 (a number without its country code is read in DEFAULT_PHONE_REGION, default RU)
  name           the contact's name
  timezone       the time zone for send windows: Europe/Moscow, MSK, МСК+2, Москва, UTC+3
  opted_in       consent: да/нет, yes/no, true/false, 1/0, or the date it was given
                 (2025-03-01, 01.03.2025, or an ISO time); an explicit no (false, нет) withdraws a
                 consent recorded earlier (its broadcasts not yet sent are skipped, and the report
                 counts it); an empty cell keeps what is recorded
  opt_in_source  where the consent came from
  any other column becomes a template attribute of the contact ({{column}}).
  Headers are matched without regard to case or spaces, in English or Russian: Телефон (Phone number),
  Имя (ФИО), Часовой пояс (Time zone), Согласие (Consent), Источник согласия. Two columns for one
  field (phone and Телефон) refuse the file, naming both.

  --list NAME         also add every imported contact to this list (made if it does not exist)
  --rejects FILE.csv  write every rejected row there, with its line and reason: fix them and import
                      that file as it is
  --json              print the import report as JSON (no progress bar)

A bad phone rejects its row; a time zone or a consent that cannot be read is left out with a
warning and the contact imported (without consent: consent is never assumed). A phone repeated in
the file is reported with both lines; the rows apply in file order. Exit code 0 when anything was
imported; 1 when nothing could be (e.g. no phone column) or the file cannot be read; 2 for wrong
arguments.

list: contacts in id order, a page at a time (--limit, default 50, at most 200; --offset), with their
consent and lists. --list NAME keeps a list's members; --search TEXT a phone (or its first digits) or
part of a name.

show: a contact's consent (given or withdrawn, with its source or reason and time), attributes, lists,
appointments and latest messages.

export: every contact (or a list's members) as a CSV in the import's format — phone, name, timezone,
opted_in (the consent's time; false when withdrawn), opt_in_source, then one column per attribute — so
\`contacts import\` reads it back. Streamed: any number of contacts. To stdout unless --out FILE
(--json then prints {"out", "contacts"}).

opt-out: withdraws the contact's consent as a client's STOP does: every message not yet sent to them is
skipped at once (reason opted_out). --reason TEXT is recorded (default "command line").

delete: removes a contact no campaign has reached (its list memberships and appointments go too). One
with messages is part of campaign reports and is refused: opt it out instead.

normalize: reads every stored phone again as imports read phones now, and fixes those stored by
earlier versions without their country code (9161234567 → 79161234567). A number another contact
already has, or one that reads as two different valid numbers, is reported and left alone.
  --dry-run     report what would change, change nothing

Examples:
  broadcaster contacts import clients.csv --list vip --rejects rejected.csv
  broadcaster contacts list --list vip --search Ivan
  broadcaster contacts show "+7 916 123-45-67" --json
  broadcaster contacts export --list vip --out vip.csv
  broadcaster contacts opt-out 79161234567 --reason "asked by phone"
  broadcaster contacts delete 12`;

export async function contactsCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { name, rest } = splitSubcommand('contacts', argv, [
    'import',
    'list',
    'show',
    'export',
    'opt-out',
    'delete',
    'normalize',
  ] as const);
  if (name === 'normalize') return normalize(rest, ctx);
  if (name === 'list') return listContactsCommand(rest, ctx);
  if (name === 'show') return showContactCommand(rest, ctx);
  if (name === 'export') return exportContactsCommand(rest, ctx);
  if (name === 'opt-out') return optOutContactCommand(rest, ctx);
  if (name === 'delete') return deleteContactCommand(rest, ctx);
  const { values, positionals } = parseCommandArgs(rest, {
    list: { type: 'string' },
    rejects: { type: 'string' },
  });
  const [file] = exactPositionals('contacts import', positionals, ['FILE.csv']);
  const list = values.list?.trim();
  if (list === '') throw new UsageError('--list needs a list name');
  if (values.rejects?.trim() === '') throw new UsageError('--rejects needs a file name');
  await importCsvFile(ctx, {
    file: file!,
    json: values.json === true,
    noun: 'contacts',
    rejects: values.rejects,
    importer: (sql, input, options) =>
      importContactsCsv(sql, input, { ...options, ...(list === undefined ? {} : { list }) }),
  });
}

async function normalize(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { 'dry-run': { type: 'boolean' } });
  exactPositionals('contacts normalize', positionals, []);
  const db = await openDatabase(ctx);
  const result = await normalizeStoredPhones(db.sql, {
    phoneRegion: ctx.config.phoneRegion,
    dryRun: values['dry-run'] === true,
    now: systemClock.now(),
  });
  if (values.json) printJson(ctx.stdout, result);
  else ctx.stdout.write(`${formatNormalization(result)}\n`);
}

const LISTED = 20;

export function formatNormalization(result: PhoneNormalization): string {
  const verb = result.dryRun ? 'would be fixed' : 'fixed';
  const lines = [
    `${formatCount(result.checked)} phones checked: ${formatCount(result.unchanged)} already right, ` +
      `${formatCount(result.changed)} ${verb}, ${formatCount(result.conflicts)} conflicting, ` +
      `${formatCount(result.ambiguous)} ambiguous, ${formatCount(result.invalid)} invalid.` +
      (result.dryRun ? ' (dry run: nothing was changed)' : ''),
  ];
  const section = <T>(title: string, items: T[], total: number, line: (item: T) => string) => {
    if (total === 0) return;
    lines.push('', `${title}:`, ...items.slice(0, LISTED).map((item) => `  ${line(item)}`));
    if (total > LISTED) lines.push(`  … ${formatCount(total - LISTED)} more (--json lists up to 1,000)`);
  };
  section(
    result.dryRun ? 'Would fix' : 'Fixed',
    result.changes,
    result.changed,
    (f) => `contact ${f.contactId}: ${f.from} → ${f.to}`,
  );
  section(
    'Conflicts (another contact has the number; merge them by hand)',
    result.conflicting,
    result.conflicts,
    (c) => `contact ${c.contactId}: ${c.from} → ${c.to}, which contact ${c.takenBy} has`,
  );
  section(
    'Ambiguous (left as stored)',
    result.ambiguities,
    result.ambiguous,
    (a) => `contact ${a.contactId}: ${a.note}`,
  );
  section(
    'Invalid (never sent to: skipped as invalid_phone)',
    result.invalidPhones,
    result.invalid,
    (i) => `contact ${i.contactId}: ${i.phone}: ${i.reason}`,
  );
  return lines.join('\n');
}
