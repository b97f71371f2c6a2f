import { connectDatabase, type Database, resolveDatabaseServer } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import type { CommandContext } from './context.js';

/**
 * The configured database for a one-shot command (DATABASE_URL, or the embedded PostgreSQL),
 * migrated first so a command run before `broadcaster start` finds its tables. Closed, and the
 * embedded server stopped, when the command ends.
 */
export async function openDatabase(ctx: CommandContext): Promise<Database> {
  const server = await resolveDatabaseServer(ctx.config, ctx.logger);
  ctx.onExit(server.stop);
  await migrate(server.url, { logger: ctx.logger });
  const db = connectDatabase(server.url, { max: 4, applicationName: 'broadcaster-cli' });
  ctx.onExit(db.close);
  return db;
}
