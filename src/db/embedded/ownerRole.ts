import type postgres from 'postgres';
import type { EmbeddedCredentials } from './credentials.js';
import { SUPERUSER } from './postgresServer.js';
import { scramSha256Verifier } from './scramVerifier.js';
import { runAsSuperuser } from './superuserAccess.js';

/**
 * The role the engine connects as. It owns the engine's databases and is no superuser, so
 * `COPY … TO PROGRAM`, `ALTER SYSTEM`, server-side file access and untrusted languages are out of
 * its reach. CREATEDB stays: `broadcaster demo`, the benchmarks and the tests make databases. So does
 * pg_signal_backend: `DROP DATABASE … WITH (FORCE)` must end an autovacuum worker busy in it, which
 * runs as no role, and only a superuser or that role may (every other session here is this role's).
 */
export const OWNER_ROLE = 'broadcaster';

/** Every cluster has these; they stay the superuser's (a URL to `postgres` serves to create databases). */
const MAINTENANCE_DATABASES = ['postgres', 'template0', 'template1'];

/**
 * Makes the owner role (idempotently, its password from `credentials`), gives it every database the
 * superuser made (a cluster from before the role existed) with the objects in `database`, and makes
 * `database` when it is missing. Needs the superuser: this is the only thing the engine does as one.
 */
export async function provisionOwnerRole(
  port: number,
  credentials: EmbeddedCredentials,
  database: string,
): Promise<void> {
  await runAsSuperuser(port, credentials.superuserPassword, async (sql) => {
    const [exists] = await sql`select 1 from pg_roles where rolname = ${OWNER_ROLE}`;
    if (!exists) await sql.unsafe(`create role ${OWNER_ROLE}`);
    // Every time: puts back what anyone changed, and the password follows the file.
    await sql.unsafe(
      `alter role ${OWNER_ROLE} with login nosuperuser nocreaterole createdb noreplication nobypassrls ` +
        `password '${scramSha256Verifier(credentials.ownerPassword)}'`,
    );
    await sql.unsafe(`grant pg_signal_backend to ${OWNER_ROLE}`);
    const leftovers = await sql<{ datname: string }[]>`
      select datname from pg_database
      where datdba = ${SUPERUSER}::regrole and not datistemplate and datname <> all(${MAINTENANCE_DATABASES})`;
    for (const { datname } of leftovers) {
      await sql.unsafe(`alter database ${quoted(datname)} owner to ${OWNER_ROLE}`);
    }
    if (!MAINTENANCE_DATABASES.includes(database)) await ensureDatabase(sql, database);
  });
  if (!MAINTENANCE_DATABASES.includes(database)) {
    await runAsSuperuser(port, credentials.superuserPassword, handOverObjects, database);
  }
}

async function ensureDatabase(sql: postgres.Sql, database: string): Promise<void> {
  const [exists] = await sql`select 1 from pg_database where datname = ${database}`;
  if (exists) return;
  await sql
    .unsafe(`create database ${quoted(database)} owner ${OWNER_ROLE}`)
    .catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // made by another process in between
    });
}

/**
 * Objects the superuser owns in the connected database become the owner role's: the tables, types and
 * functions an engine that connected as the superuser migrated. REASSIGN OWNED cannot do it (the
 * bootstrap superuser's objects include the system's), so each kind is altered by name. Indexes,
 * triggers, TOAST tables, row and array types and sequences owned by a column follow their table or
 * type; objects of extensions stay theirs. A no-op once done, so it runs at every start.
 */
async function handOverObjects(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`
    do $$
    declare
      statement text;
    begin
      for statement in
        select format('alter schema %I owner to ${OWNER_ROLE}', n.nspname)
        from pg_namespace n
        where n.nspowner = '${SUPERUSER}'::regrole and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
          and not exists (select from pg_depend d where d.classid = 'pg_namespace'::regclass
                          and d.objid = n.oid and d.deptype = 'e')
        union all
        select format('alter %s %s owner to ${OWNER_ROLE}',
                      case c.relkind when 'S' then 'sequence' when 'v' then 'view'
                                     when 'm' then 'materialized view' when 'f' then 'foreign table'
                                     else 'table' end,
                      c.oid::regclass)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relowner = '${SUPERUSER}'::regrole and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
          and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
          and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                          and (d.deptype = 'e' or (c.relkind = 'S' and d.deptype in ('a', 'i'))))
        union all
        select format('alter type %s owner to ${OWNER_ROLE}', t.oid::regtype)
        from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where t.typowner = '${SUPERUSER}'::regrole
          and (t.typtype in ('e', 'd', 'r')
               or (t.typtype = 'c' and exists (select from pg_class c where c.oid = t.typrelid and c.relkind = 'c')))
          and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
          and not exists (select from pg_depend d where d.classid = 'pg_type'::regclass
                          and d.objid = t.oid and d.deptype = 'e')
        union all
        select format('alter routine %s owner to ${OWNER_ROLE}', p.oid::regprocedure)
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.proowner = '${SUPERUSER}'::regrole and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
          and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass
                          and d.objid = p.oid and d.deptype = 'e')
      loop
        execute statement;
      end loop;
    end
    $$`);
}

function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
