import { PrismaPg } from '@prisma/adapter-pg';
import postgres from 'postgres';
import type { EngineConfig } from '../config/config.js';
import { type Logger, silentLogger } from '../logger.js';
import { startEmbeddedPostgres } from './embeddedPostgres.js';
import { PrismaClient } from './generated/prisma/client.js';
import { assertPostgresJsPatched } from './postgresJsPatch.js';

export type Sql = postgres.Sql;
export { PrismaClient };

/** The engine's two ways into PostgreSQL: Prisma for CRUD, postgres.js for the hot paths. */
export interface Database {
  url: string;
  sql: Sql;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** postgres.js pool size. */
  max?: number;
  applicationName?: string;
}

/**
 * Seconds before a connection is tried again after failing to connect, by attempts so far: postgres.js
 * grows it to 20 s, which kept an engine off a restarted database for up to 20 s after it was back.
 * Capped at 2 s with jitter: a short outage costs seconds, and a fleet does not reconnect in lockstep.
 */
export function reconnectBackoffSeconds(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 2);
}

/** Opens both pools; refuses (PostgresJsUnpatchedError) when the installed postgres.js lacks our patch. */
export function connectDatabase(url: string, options: ConnectOptions = {}): Database {
  assertPostgresJsPatched();
  const applicationName = options.applicationName ?? 'broadcaster';
  // Two pools of up to `max` each (postgres.js for the engine's SQL, node-postgres under Prisma), and
  // one more connection while a LISTEN is held: at most 2 × max + 1 per Database.
  const max = options.max ?? 10;
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    backoff: reconnectBackoffSeconds,
    connection: { application_name: applicationName },
  });
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, application_name: applicationName, max }),
  });
  return {
    url,
    sql,
    prisma,
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), prisma.$disconnect()]);
    },
  };
}

export interface DatabaseServer {
  url: string;
  /** Stops the embedded PostgreSQL when this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

/** DATABASE_URL when configured; otherwise the embedded PostgreSQL under the data directory. */
export async function resolveDatabaseServer(
  config: EngineConfig,
  logger: Logger = silentLogger,
): Promise<DatabaseServer> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };
  const embedded = await startEmbeddedPostgres({
    dataDir: `${config.embeddedPostgres.dataDir}/postgres`,
    port: config.embeddedPostgres.port,
    logger,
  });
  return embedded;
}
