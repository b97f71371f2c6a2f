import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { BroadcasterError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { assertPostgresJsPatched } from './postgresJsPatch.js';

/** src/db and dist/db both sit two levels below the package root. */
export const MIGRATIONS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'prisma',
  'migrations',
);

/** Prisma Migrate's own advisory lock key, so this migrator and `prisma migrate` exclude each other too. */
const MIGRATION_LOCK_KEY = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends BroadcasterError {
  constructor(message: string, details: { migration?: string } = {}, options?: ErrorOptions) {
    super('migration_failed', message, details, options);
  }
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql` in name order, as Prisma lays them out. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name, 'migration.sql'));
      return {
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies pending migrations, each in its own transaction, recording them in a table Prisma Migrate
 * reads as its own. Safe to run from several processes at once: they queue on an advisory lock.
 */
export async function migrate(
  databaseUrl: string,
  options: { logger?: Logger; dir?: string } = {},
): Promise<MigrationResult> {
  const logger = options.logger ?? silentLogger;
  // Every process migrates before it connects: an unpatched postgres.js is refused here, first.
  assertPostgresJsPatched();
  const migrations = await readMigrations(options.dir);
  // One connection: the advisory lock belongs to the session that took it.
  const sql = postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: 'broadcaster-migrate' },
  });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await sql.unsafe(`
        create table if not exists "_prisma_migrations" (
          "id"                  varchar(36) primary key not null,
          "checksum"            varchar(64) not null,
          "finished_at"         timestamptz,
          "migration_name"      varchar(255) not null,
          "logs"                text,
          "rolled_back_at"      timestamptz,
          "started_at"          timestamptz not null default now(),
          "applied_steps_count" integer not null default 0
        )`);
      const applied = await sql<AppliedRow[]>`
        select migration_name, checksum, finished_at from "_prisma_migrations"
        where rolled_back_at is null order by started_at, migration_name`;
      const pending = planPending(migrations, applied);
      for (const migration of pending) {
        await applyOne(sql, migration);
        logger.info({ migration: migration.name }, 'migration applied');
      }
      return { applied: pending.map((m) => m.name), alreadyApplied: migrations.length - pending.length };
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Which local migrations still need applying; refuses a database whose history disagrees with ours. */
function planPending(local: Migration[], applied: AppliedRow[]): Migration[] {
  const localByName = new Map(local.map((m) => [m.name, m]));
  const appliedNames = new Set<string>();
  for (const row of applied) {
    const migration = localByName.get(row.migration_name);
    if (row.finished_at === null) {
      throw new MigrationError(
        `migration ${row.migration_name} was started but never finished (a failed \`prisma migrate\`?); ` +
          'repair the database and mark it rolled back before migrating again',
        { migration: row.migration_name },
      );
    }
    if (!migration) {
      throw new MigrationError(
        `the database has migration ${row.migration_name}, which this version of the engine does not know; ` +
          'run a version of the engine that includes it',
        { migration: row.migration_name },
      );
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${row.migration_name} was changed after it was applied (checksum differs); ` +
          'restore its original migration.sql and put the change in a new migration',
        { migration: row.migration_name },
      );
    }
    appliedNames.add(row.migration_name);
  }
  return local.filter((m) => !appliedNames.has(m.name));
}

async function applyOne(sql: postgres.Sql, migration: Migration): Promise<void> {
  try {
    await sql.begin(async (tx) => {
      const id = randomUUID();
      await tx`
        insert into "_prisma_migrations" (id, checksum, migration_name, started_at)
        values (${id}, ${migration.checksum}, ${migration.name}, clock_timestamp())`;
      await tx.unsafe(migration.sql);
      await tx`
        update "_prisma_migrations" set finished_at = clock_timestamp(), applied_steps_count = 1
        where id = ${id}`;
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      `migration ${migration.name} failed and was rolled back: ${reason}`,
      { migration: migration.name },
      { cause: error },
    );
  }
}
