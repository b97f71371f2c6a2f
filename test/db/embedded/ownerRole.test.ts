import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedCredentials,
  embeddedUrl,
  newCredentials,
} from '../../../src/db/embedded/credentials.js';
import { OWNER_ROLE, provisionOwnerRole } from '../../../src/db/embedded/ownerRole.js';
import { runAsSuperuser } from '../../../src/db/embedded/superuserAccess.js';
import { type EmbeddedCluster, startEmbeddedCluster } from './embeddedCluster.js';

/** One fresh cluster, started once, whose server logs every statement: to look for passwords in it. */
let cluster: EmbeddedCluster | undefined;
let port: number;
let serverLog: string[];
let credentials: EmbeddedCredentials;

beforeAll(async () => {
  credentials = newCredentials();
  cluster = await startEmbeddedCluster({
    dirPrefix: 'broadcaster-owner-role-',
    superuserPassword: credentials.superuserPassword,
  });
  ({ port, logLines: serverLog } = cluster);
  await asSuperuser((sql) => sql`alter system set log_statement = 'all'`);
  await asSuperuser((sql) => sql`select pg_reload_conf()`);
});

afterAll(async () => {
  await cluster?.stop();
});

function asSuperuser<T>(work: (sql: postgres.Sql) => Promise<T>, database = 'postgres'): Promise<T> {
  return runAsSuperuser(port, credentials.superuserPassword, work, database);
}

async function asOwner<T>(password: string, database: string, work: (sql: postgres.Sql) => Promise<T>) {
  const sql = postgres(embeddedUrl(port, OWNER_ROLE, password, database), { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function ownerOf(database: string): Promise<string> {
  const [row] = await asSuperuser(
    (sql) => sql<{ owner: string }[]>`
      select pg_get_userbyid(datdba) as owner from pg_database where datname = ${database}`,
  );
  return row!.owner;
}

async function roleAttributes() {
  const [row] = await asSuperuser(
    (sql) => sql`
      select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
             pg_has_role(rolname, 'pg_signal_backend', 'member') as signals
      from pg_roles where rolname = ${OWNER_ROLE}`,
  );
  return row;
}

const EXPECTED_ATTRIBUTES = {
  rolcanlogin: true,
  rolsuper: false,
  rolcreaterole: false,
  rolcreatedb: true,
  rolreplication: false,
  rolbypassrls: false,
  signals: true,
};

describe('provisionOwnerRole', () => {
  it('makes a login role, no superuser, that owns a new database of the name given', async () => {
    await provisionOwnerRole(port, credentials, 'app');

    expect(OWNER_ROLE).toBe('broadcaster');
    expect(await roleAttributes()).toEqual(EXPECTED_ATTRIBUTES);
    expect(await ownerOf('app')).toBe(OWNER_ROLE);
    const [me] = await asOwner(credentials.ownerPassword, 'app', (sql) => sql`select current_user as role`);
    expect(me).toEqual({ role: OWNER_ROLE });
  });

  it('puts back what anyone changed in the role, and lets the password follow the credentials', async () => {
    await asSuperuser((sql) => sql.unsafe(`alter role ${OWNER_ROLE} superuser createrole nocreatedb`));
    const next = { ...credentials, ownerPassword: newCredentials().ownerPassword };

    await provisionOwnerRole(port, next, 'app');

    expect(await roleAttributes()).toEqual(EXPECTED_ATTRIBUTES);
    const rows = await asOwner(next.ownerPassword, 'app', (sql) => sql`select 1 as one`);
    expect(rows).toEqual([{ one: 1 }]);
    const refused = await asOwner(credentials.ownerPassword, 'app', (sql) => sql`select 1`).catch((e) => e);
    expect(refused).toMatchObject({ code: '28P01' });
    credentials = next;
  });

  it('hands over the databases the superuser made, and their objects, but never the maintenance databases', async () => {
    await asSuperuser((sql) => sql`create database legacy`);
    await asSuperuser(
      (sql) =>
        sql.unsafe(`
          create schema reports;
          create type mood as enum ('happy', 'sad');
          create table people (id serial primary key, mood mood);
          create sequence tickets;
          create view happy_people as select * from people where mood = 'happy';
          create function count_people() returns bigint language sql as 'select count(*) from people';
          create table reports.daily (day date)`),
      'legacy',
    );

    await provisionOwnerRole(port, credentials, 'legacy');

    expect(await ownerOf('legacy')).toBe(OWNER_ROLE);
    for (const maintenance of ['postgres', 'template0', 'template1'])
      expect(await ownerOf(maintenance)).toBe('postgres');
    const leftovers = await asSuperuser(
      (sql) => sql`
        select relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where relowner = 'postgres'::regrole and nspname in ('public', 'reports')
        union all select typname::text from pg_type t join pg_namespace n on n.oid = t.typnamespace
          where typowner = 'postgres'::regrole and nspname in ('public', 'reports')
        union all select proname::text from pg_proc where proowner = 'postgres'::regrole
          and pronamespace = 'public'::regnamespace
        union all select nspname::text from pg_namespace where nspowner = 'postgres'::regrole
          and nspname = 'reports'`,
      'legacy',
    );
    expect(leftovers).toEqual([]);
    const counted = await asOwner(credentials.ownerPassword, 'legacy', async (sql) => {
      await sql`insert into people (mood) values ('happy')`;
      await sql`drop view happy_people`;
      return sql`select count_people() as n`;
    });
    expect(counted).toEqual([{ n: '1' }]);
  });

  it('is a no-op for a database the owner role already has', async () => {
    await provisionOwnerRole(port, credentials, 'legacy');
    await provisionOwnerRole(port, credentials, 'legacy');

    expect(await ownerOf('legacy')).toBe(OWNER_ROLE);
  });

  it('creates nothing for a maintenance database and leaves it the superuser’s', async () => {
    await provisionOwnerRole(port, credentials, 'postgres');

    expect(await ownerOf('postgres')).toBe('postgres');
    const rows = await asOwner(credentials.ownerPassword, 'postgres', (sql) => sql`select 1 as one`);
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('makes a database whose name SQL must quote (capitals, a dash)', async () => {
    await provisionOwnerRole(port, credentials, 'Mixed-Case');

    expect(await ownerOf('Mixed-Case')).toBe(OWNER_ROLE);
  });

  it('never sends the owner password to the server, so its log cannot show it', async () => {
    const logged = serverLog.join('\n');

    expect(logged).toContain('alter role broadcaster with login');
    expect(logged).not.toContain(credentials.ownerPassword);
    expect(logged).not.toContain(credentials.superuserPassword);
  });
});
