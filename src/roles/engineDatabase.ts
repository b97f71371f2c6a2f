import type { EngineConfig } from '../config/config.js';
import { connectDatabase, type Database, resolveDatabaseServer } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import type { Logger } from '../logger.js';
import type { AddStop } from './engineParts.js';

/**
 * Connections in each of an engine process's two pools (its SQL and Prisma's): with its LISTEN, at most
 * 2 × this + 1 per process (connectDatabase).
 */
export const ENGINE_POOL_SIZE = 10;

/**
 * The engine's database, migrated before the first connection so that every role finds the schema it
 * expects; its pool is named after the role in pg_stat_activity.
 */
export async function openMigratedDatabase(
  config: EngineConfig,
  role: string,
  logger: Logger,
  addStop: AddStop,
): Promise<Database> {
  const server = await resolveDatabaseServer(config, logger);
  addStop(server.stop);
  await migrate(server.url, { logger });
  const db = connectDatabase(server.url, { max: ENGINE_POOL_SIZE, applicationName: `broadcaster-${role}` });
  addStop(db.close);
  return db;
}
