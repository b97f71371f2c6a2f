import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from '../../src/db/migrator.js';
import { createEmptyDatabase } from '../support/database.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function emptyDatabase() {
  const db = await createEmptyDatabase();
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  cleanups.push(db.drop, () => sql.end({ timeout: 5 }));
  return { url: db.url, sql };
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, 'migration.sql'), sql);
}

describe('migrate', () => {
  it('applies every migration to an empty database, recording them as Prisma does', async () => {
    const { url, sql } = await emptyDatabase();
    const local = await readMigrations();

    const result = await migrate(url);

    expect(result.applied).toEqual(local.map((m) => m.name));
    const rows = await sql`select migration_name, checksum, finished_at, applied_steps_count, rolled_back_at
                           from _prisma_migrations order by migration_name`;
    expect(rows.map((r) => r.migration_name)).toEqual(local.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(local[i]?.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
    }
    const [contacts] = await sql`select to_regclass('public.contacts') as t`;
    expect(contacts?.t).toBe('contacts');
  });

  it('is a no-op the second time', async () => {
    const { url, sql } = await emptyDatabase();
    await migrate(url);
    const before = await sql`select id, finished_at from _prisma_migrations order by id`;

    const second = await migrate(url);

    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(before.length);
    expect(await sql`select id, finished_at from _prisma_migrations order by id`).toEqual(before);
  });

  it('lets several engines migrate at once: each migration is applied exactly once', async () => {
    const { url, sql } = await emptyDatabase();

    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);

    const local = await readMigrations();
    expect(results.flatMap((r) => r.applied).sort()).toEqual(local.map((m) => m.name).sort());
    const [{ count }] = (await sql`select count(*)::int as count from _prisma_migrations`) as [
      { count: number },
    ];
    expect(count).toBe(local.length);
  });

  it('applies a new migration added after the first run', async () => {
    const { url, sql } = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(url, { dir });
    await addMigration(dir, '29990101000000_add_note', 'alter table "contacts" add column "note" text;');

    const result = await migrate(url, { dir });

    expect(result.applied).toEqual(['29990101000000_add_note']);
    const columns = await sql`select column_name from information_schema.columns
                              where table_name = 'contacts' and column_name = 'note'`;
    expect(columns).toHaveLength(1);
  });

  it('refuses a migration that was changed after it was applied, naming it', async () => {
    const { url } = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(url, { dir });
    const [first] = await readMigrations(dir);
    const file = join(dir, first!.name, 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- an innocent-looking edit\n`);

    const error = await migrate(url, { dir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toContain(first!.name);
    expect((error as MigrationError).message).toContain('changed after it was applied');
    expect((error as MigrationError).details).toEqual({ migration: first!.name });
  });

  it('rolls a failing migration back whole, records nothing for it and names it', async () => {
    const { url, sql } = await emptyDatabase();
    const dir = await copyOfMigrations();
    await addMigration(
      dir,
      '29990101000000_broken',
      'create table "half_done" (id int);\nalter table "no_such_table" add column x int;',
    );

    const error = await migrate(url, { dir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/29990101000000_broken failed.*no_such_table/);
    const names = await sql`select migration_name from _prisma_migrations`;
    expect(names.map((r) => r.migration_name)).not.toContain('29990101000000_broken');
    const [halfDone] = await sql`select to_regclass('public.half_done') as t`;
    expect(halfDone?.t).toBeNull();
  });

  it('refuses a database that has a migration this engine does not know', async () => {
    const { url } = await emptyDatabase();
    const dir = await copyOfMigrations();
    await addMigration(dir, '29990101000000_from_the_future', 'select 1;');
    await migrate(url, { dir });

    await expect(migrate(url)).rejects.toThrow(/29990101000000_from_the_future.*does not know/);
  });

  it('refuses to run over a migration that Prisma left unfinished', async () => {
    const { url, sql } = await emptyDatabase();
    await migrate(url);
    await sql`update _prisma_migrations set finished_at = null`;

    await expect(migrate(url)).rejects.toThrow(/started but never finished/);
  });
});
