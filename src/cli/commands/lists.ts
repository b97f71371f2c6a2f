import { systemClock } from '../../clock.js';
import { type ContactList, createList, listLists } from '../../lists/lists.js';
import { parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';
import { openDatabase } from '../database.js';
import { MAX_LIMIT } from '../paging.js';
import { exactPositionals } from '../positionals.js';
import { formatTable } from '../table.js';

export const listsHelp = `Usage: broadcaster lists [--json]
       broadcaster lists create NAME [--description TEXT] [--json]

Contact lists, a broadcast's audience ("audience": {"list": NAME}).

lists: every list with its number of members.
create: a new, empty list (a name already taken is an error); \`contacts import FILE --list NAME\`
adds contacts to a list, and makes it when it does not exist.

Examples:
  broadcaster lists
  broadcaster lists create vip --description "Clients with a loyalty card"
  broadcaster lists --json`;

export async function listsCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const [first, ...rest] = argv;
  if (first === 'create') return createListCommand(rest, ctx);
  if (first !== undefined && !first.startsWith('-')) {
    throw new UsageError(`lists: unknown subcommand "${first}" (lists, or lists create NAME)`);
  }
  const { values, positionals } = parseCommandArgs(argv, {});
  exactPositionals('lists', positionals, []);
  const db = await openDatabase(ctx);
  const lists: ContactList[] = [];
  // Every list, a page at a time as the API gives them: lists are few, a table of them all is the point.
  for (let offset = 0; ; offset += MAX_LIMIT) {
    const page = await listLists(db, { limit: MAX_LIMIT, offset });
    lists.push(...page.items);
    if (page.items.length < MAX_LIMIT || lists.length >= page.total) break;
  }
  if (values.json) return printJson(ctx.stdout, { items: lists, total: lists.length });
  if (lists.length === 0) {
    ctx.stdout.write('No lists yet: broadcaster lists create NAME, or contacts import FILE --list NAME.\n');
    return;
  }
  const rows = lists.map((l) => [l.id, l.name, l.memberCount, l.description, l.createdAt]);
  ctx.stdout.write(
    `${formatTable([{ header: 'ID', align: 'right' }, 'NAME', { header: 'MEMBERS', align: 'right' }, 'DESCRIPTION', 'CREATED'], rows)}\n`,
  );
}

async function createListCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { description: { type: 'string' } });
  const [name] = exactPositionals('lists create', positionals, ['NAME']);
  if (name!.trim() === '') throw new UsageError('lists create: NAME must not be empty');
  const db = await openDatabase(ctx);
  const list = await createList(
    db,
    { name: name!, description: values.description ?? null },
    { now: systemClock.now() },
  );
  if (values.json) return printJson(ctx.stdout, list);
  ctx.stdout.write(`List ${list.id} "${list.name}" created.\n`);
}
