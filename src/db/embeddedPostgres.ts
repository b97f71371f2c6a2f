import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BroadcasterError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import {
  credentialsPathOf,
  embeddedUrl,
  newCredentials,
  readCredentials,
  writeCredentials,
} from './embedded/credentials.js';
import { OWNER_ROLE, provisionOwnerRole } from './embedded/ownerRole.js';
import { initialiseCluster, type Postmaster, startPostmaster } from './embedded/postgresServer.js';
import { POSTGRES_SYSTEM_USER, postgresRunAs, prepareDataDirFor } from './embedded/postgresUser.js';
import { secureSuperuser } from './embedded/superuserAccess.js';

export { credentialsPathOf as embeddedPostgresCredentialsPath } from './embedded/credentials.js';

export interface EmbeddedPostgresHandle {
  /** The engine's URL: the owner role (no superuser) on `database`. */
  url: string;
  /** True when this process started the server (and so stops it); false when it joined a running one. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory, e.g. ./.data/postgres. Its passwords live beside it. */
  dataDir: string;
  port: number;
  /** Made and handed to the owner role when missing; `postgres` gives a URL for CREATE DATABASE. */
  database?: string;
  logger?: Logger;
}

/**
 * Starts the embedded PostgreSQL for a data directory, initialising it on first use. When another
 * process (say `broadcaster start` in another terminal) already runs the server for that directory,
 * joins it instead of failing, so every command of the same checkout sees the same database. Either
 * way the superuser is used only here, to set up the owner role the returned URL names.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const logger = options.logger ?? silentLogger;
  const dataDir = resolve(options.dataDir);
  const database = options.database ?? 'broadcaster';
  const credentialsPath = credentialsPathOf(dataDir);

  const release = await acquireStartLock(dataDir);
  let postmaster: Postmaster | undefined;
  try {
    let port = await portOfRunningServer(dataDir);
    if (port !== undefined) {
      logger.info({ dataDir, port }, 'joining the embedded PostgreSQL already running');
    } else {
      port = options.port;
      postmaster = await initialiseAndStart(dataDir, port, credentialsPath, logger);
    }
    const credentials = await secureSuperuser(port, credentialsPath, logger);
    try {
      await provisionOwnerRole(port, credentials, database);
    } catch (error) {
      throw new BroadcasterError(
        'embedded_postgres_failed',
        `could not set up the role ${OWNER_ROLE} and database ${database} in the embedded PostgreSQL: ` +
          (error as Error).message,
        { dataDir, database },
        { cause: error },
      );
    }
    const url = embeddedUrl(port, OWNER_ROLE, credentials.ownerPassword, database);
    if (!postmaster) return { url, owned: false, stop: async () => {} };
    const server = postmaster;
    return { url, owned: true, stop: () => server.stop() };
  } catch (error) {
    await postmaster?.stop();
    throw error;
  } finally {
    await release();
  }
}

async function initialiseAndStart(
  dataDir: string,
  port: number,
  credentialsPath: string,
  logger: Logger,
): Promise<Postmaster> {
  // PostgreSQL refuses to run as root: then it runs as the `postgres` system user.
  const runAs = postgresRunAs();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (runAs) await prepareDataDirFor(runAs, dataDir);
    logger.info({ dataDir }, 'initialising the embedded PostgreSQL (first run)');
    // The file before the cluster: a cluster never exists without its passwords kept somewhere.
    let credentials = await readCredentials(credentialsPath);
    if (!credentials) {
      credentials = newCredentials();
      await writeCredentials(credentialsPath, credentials);
    }
    try {
      await initialiseCluster({ dataDir, superuserPassword: credentials.superuserPassword, runAs, logger });
    } catch (error) {
      const hint = runAs
        ? ` (as root, initdb runs as "${POSTGRES_SYSTEM_USER}", who must be able to reach ${dataDir})`
        : '';
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
    const postmaster = await startPostmaster({ dataDir, port, runAs, logger });
    logger.info({ port, dataDir }, 'embedded PostgreSQL started');
    return postmaster;
  } catch (error) {
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `the embedded PostgreSQL did not start on port ${port} (is the port taken? set EMBEDDED_POSTGRES_PORT, ` +
        'or DATABASE_URL to use your own server)',
      { dataDir, port },
      { cause: error },
    );
  }
}

/**
 * Serialises initialising, starting and setting up the cluster between processes of the same
 * checkout: a lock file made with O_EXCL, taken over when the process that made it is gone.
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
