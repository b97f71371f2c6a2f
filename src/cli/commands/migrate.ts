import { resolveDatabaseServer } from '../../db/database.js';
import { migrate } from '../../db/migrator.js';
import { parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';

export const migrateHelp = `Usage: broadcaster migrate [--json]

Applies the database migrations in prisma/migrations that are not applied yet, and exits.
Uses DATABASE_URL, or the embedded PostgreSQL under ./.data/postgres when it is not set.

Examples:
  broadcaster migrate
  DATABASE_URL=postgres://broadcaster@db.example.com/broadcaster broadcaster migrate --json`;

export async function migrateCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {});
  if (positionals.length) throw new UsageError(`migrate takes no arguments, got "${positionals.join(' ')}"`);
  const server = await resolveDatabaseServer(ctx.config, ctx.logger);
  ctx.onExit(server.stop);
  const result = await migrate(server.url, { logger: ctx.logger });
  if (values.json) {
    printJson(ctx.stdout, result);
  } else if (result.applied.length === 0) {
    ctx.stdout.write(`Database is up to date (${result.alreadyApplied} migrations applied earlier).\n`);
  } else {
    const names = result.applied.map((name) => `  ${name}\n`).join('');
    ctx.stdout.write(`Applied ${result.applied.length} migration(s):\n${names}Database is up to date.\n`);
  }
}
