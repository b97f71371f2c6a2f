import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedUrl, readCredentials } from '../../src/db/embedded/credentials.js';
import { LEGACY_SUPERUSER_PASSWORD } from '../../src/db/embedded/superuserAccess.js';
import {
  type EmbeddedPostgresHandle,
  embeddedPostgresCredentialsPath,
  startEmbeddedPostgres,
} from '../../src/db/embeddedPostgres.js';
import { migrate } from '../../src/db/migrator.js';
import { freePort } from '../support/freePort.js';

/**
 * One embedded cluster of this file's own, started with fake tokens in the environment: the
 * engine's role, its passwords, what the postmaster inherits, joining it, and a cluster from before
 * passwords were generated. Starts are few (each costs seconds): one initialisation, one restart.
 */
const FAKE_CHAT2DESK_TOKEN = 'fake-chat2desk-token-0f9a8b7c6d5e';
const FAKE_API_TOKEN = 'fake-api-token-1a2b3c4d5e6f';

let dir: string;
let dataDir: string;
let port: number;
let server: EmbeddedPostgresHandle | undefined;
const saved = { CHAT2DESK_TOKEN: process.env.CHAT2DESK_TOKEN, API_TOKEN: process.env.API_TOKEN };

/** Every line the embedded PostgreSQL code logged, raw (no redaction), to look for passwords. */
const logLines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'broadcaster-embedded-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach the data directory
  dataDir = join(dir, 'postgres');
  port = await freePort();
  process.env.CHAT2DESK_TOKEN = FAKE_CHAT2DESK_TOKEN;
  process.env.API_TOKEN = FAKE_API_TOKEN;
  server = await startEmbeddedPostgres({ dataDir, port, database: 'app', logger });
});

afterAll(async () => {
  await server?.stop();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function query<T extends postgres.MaybeRow[]>(url: string, statement: string): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(statement)) as unknown as T;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function superuserUrl(database = 'postgres'): Promise<string> {
  const credentials = await readCredentials(embeddedPostgresCredentialsPath(dataDir));
  return embeddedUrl(port, 'postgres', credentials!.superuserPassword, database);
}

async function legacyPasswordError(): Promise<unknown> {
  return query(embeddedUrl(port, 'postgres', LEGACY_SUPERUSER_PASSWORD, 'postgres'), 'select 1').then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('the embedded PostgreSQL', () => {
  it('keeps random passwords in a 0600 file of the engine user, beside the data directory', async () => {
    const path = embeddedPostgresCredentialsPath(dataDir);
    expect(path).toBe(`${dataDir}.credentials.json`);
    const info = await stat(path);
    expect(info.mode & 0o777).toBe(0o600);
    expect(info.uid).toBe(process.getuid?.());

    const credentials = await readCredentials(path);
    expect(credentials!.superuserPassword).not.toBe(LEGACY_SUPERUSER_PASSWORD);
    expect(credentials!.superuserPassword).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(credentials!.ownerPassword).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(credentials!.ownerPassword).not.toBe(credentials!.superuserPassword);
  });

  it('refuses the old built-in superuser password', async () => {
    expect(await legacyPasswordError()).toMatchObject({ code: '28P01' });
  });

  it('hands the engine a role that owns its database, is no superuser and cannot run programs', async () => {
    const url = new URL(server!.url);
    expect(url.username).toBe('broadcaster');
    expect(url.pathname).toBe('/app');

    const [me] = await query<{ rolsuper: boolean; owns: boolean }[]>(
      server!.url,
      `select r.rolsuper, d.datdba = r.oid as owns
       from pg_roles r, pg_database d where r.rolname = current_user and d.datname = current_database()`,
    );
    expect(me).toEqual({ rolsuper: false, owns: true });
    await expect(query(server!.url, `copy (select 1) to program 'true'`)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied/),
    });
    await expect(query(server!.url, `alter system set work_mem = '64MB'`)).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('can migrate its database and make and drop databases of its own, as the tests and the demo do', async () => {
    expect((await migrate(server!.url)).applied.length).toBeGreaterThan(0);
    const serverUrl = new URL(server!.url);
    serverUrl.pathname = '/postgres';
    await query(serverUrl.href, 'create database scratch template app');

    // A session not of the engine's role in it, as an autovacuum worker is: WITH (FORCE) still ends it.
    await query(await superuserUrl(), `create role someone_else login password 'someone-else'`);
    const intruder = postgres(embeddedUrl(port, 'someone_else', 'someone-else', 'scratch'), { max: 1 });
    try {
      await intruder`select 1`;
      await query(serverUrl.href, 'drop database scratch with (force)');
    } finally {
      await intruder.end({ timeout: 1 }).catch(() => {});
      await query(await superuserUrl(), 'drop role someone_else');
    }
  });

  it('listens on 127.0.0.1 only, without a Unix socket, and asks every client for SCRAM', async () => {
    const rows = await query<{ setting: string }[]>(
      await superuserUrl(),
      `select current_setting('listen_addresses') as setting
       union all select current_setting('unix_socket_directories')
       union all select distinct auth_method from pg_hba_file_rules`,
    );
    expect(rows.map((r) => r.setting)).toEqual(['127.0.0.1', '', 'scram-sha-256']);
  });

  it("gives the postmaster none of the engine's environment but what PostgreSQL needs", async () => {
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean);
    const names = environ.map((entry) => entry.slice(0, entry.indexOf('=')));

    expect(environ.join('\n')).not.toContain(FAKE_CHAT2DESK_TOKEN);
    expect(environ.join('\n')).not.toContain(FAKE_API_TOKEN);
    expect(names).toContain('PATH');
    for (const name of names) expect(name).toMatch(/^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TZDIR|PG[A-Z_]+)$/);
  });

  it('lets a second start on the same directory join the running server', async () => {
    const second = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'app', logger });
    expect(second.owned).toBe(false);
    expect(second.url).toBe(server!.url);
    const [row] = await query<{ one: number }[]>(second.url, 'select 1 as one');
    expect(row!.one).toBe(1);
    await second.stop(); // a joiner's stop leaves the server running
    expect((await query<{ one: number }[]>(server!.url, 'select 1 as one'))[0]!.one).toBe(1);
  });

  it('names the passwords file, never a password, when the server refuses what it holds', async () => {
    const path = embeddedPostgresCredentialsPath(dataDir);
    const original = await readFile(path, 'utf8');
    const wrong = { superuserPassword: 'W'.repeat(43), ownerPassword: 'O'.repeat(43) };
    await writeFile(path, JSON.stringify(wrong), { mode: 0o600 });
    try {
      const error = await startEmbeddedPostgres({ dataDir, port, logger }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toContain(path);
      const said = [error?.message, JSON.stringify(error), String(error?.cause), ...logLines];
      const everything = said.join('\n');
      expect(everything).not.toContain(wrong.superuserPassword);
      expect(everything).not.toContain(JSON.parse(original).superuserPassword);
      expect(everything).not.toContain(JSON.parse(original).ownerPassword);
    } finally {
      await writeFile(path, original, { mode: 0o600 });
    }
  });
});

describe('a cluster from before generated passwords (legacy password, no file, objects of the superuser)', () => {
  it('gets a random superuser password, said once in the log, and its database handed to the owner role', async () => {
    // What an older engine left: its database migrated by the superuser, the built-in password.
    await query(await superuserUrl(), 'create database legacy_app');
    await migrate(await superuserUrl('legacy_app'));
    await query(await superuserUrl(), `alter role postgres password '${LEGACY_SUPERUSER_PASSWORD}'`);
    await rm(embeddedPostgresCredentialsPath(dataDir));
    await server!.stop();
    server = undefined;
    logLines.length = 0;

    server = await startEmbeddedPostgres({ dataDir, port, database: 'legacy_app', logger });

    const rotated = () => logLines.filter((line) => line.includes('old built-in password'));
    expect(rotated()).toHaveLength(1);
    expect(await legacyPasswordError()).toMatchObject({ code: '28P01' });
    const path = embeddedPostgresCredentialsPath(dataDir);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const credentials = await readCredentials(path);
    expect(logLines.join('\n')).not.toContain(credentials!.superuserPassword);
    expect(logLines.join('\n')).not.toContain(credentials!.ownerPassword);

    const leftovers = await query<{ kind: string; name: string }[]>(
      server.url,
      `select 'relation' as kind, relname::text as name from pg_class
         where relowner = 'postgres'::regrole and relnamespace = 'public'::regnamespace
       union all select 'type', typname::text from pg_type
         where typowner = 'postgres'::regrole and typnamespace = 'public'::regnamespace
       union all select 'function', proname::text from pg_proc
         where proowner = 'postgres'::regrole and pronamespace = 'public'::regnamespace
       union all select 'database', datname::text from pg_database
         where datdba = 'postgres'::regrole and datname = current_database()`,
    );
    expect(leftovers).toEqual([]);
    expect((await migrate(server.url)).applied).toEqual([]);
    await query(server.url, `update "_prisma_migrations" set logs = 'owned by the engine now'`);

    const joined = await startEmbeddedPostgres({ dataDir, port, database: 'legacy_app', logger });
    expect(joined.owned).toBe(false);
    expect(rotated()).toHaveLength(1);
  });
});
