import { chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedUrl, randomPassword } from '../../../src/db/embedded/credentials.js';
import {
  initialiseCluster,
  type Postmaster,
  SUPERUSER,
  startPostmaster,
} from '../../../src/db/embedded/postgresServer.js';
import type { RunAs } from '../../../src/db/embedded/postgresUser.js';
import type { Logger } from '../../../src/logger.js';
import { freePort } from '../../support/freePort.js';
import { type EmbeddedCluster, startEmbeddedCluster } from './embeddedCluster.js';

/** One cluster, initialised and started once: its password, its readiness, a refused second start, stop. */
const password = randomPassword();
let cluster: EmbeddedCluster | undefined;
let dir: string;
let dataDir: string;
let port: number;
let runAs: RunAs | undefined;
let logger: Logger;
let logLines: string[];
let postmaster: Postmaster | undefined;

beforeAll(async () => {
  cluster = await startEmbeddedCluster({
    dirPrefix: 'broadcaster-postgres-server-',
    superuserPassword: password,
  });
  ({ dir, dataDir, port, runAs, logger, logLines, postmaster } = cluster);
});

afterAll(async () => {
  await cluster?.stop();
});

async function connect(pass: string, work: (sql: postgres.Sql) => Promise<unknown>): Promise<unknown> {
  const sql = postgres(embeddedUrl(port, SUPERUSER, pass, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe('initialiseCluster and startPostmaster', () => {
  it('make a server that accepts connections as soon as the start resolves, with the password given', async () => {
    const rows = await connect(password, (sql) => sql`select current_user as role`);

    expect(rows).toEqual([{ role: SUPERUSER }]);
    expect(SUPERUSER).toBe('postgres');
  });

  it('make the superuser refuse any other password', async () => {
    const error = await connect('not-the-password', (sql) => sql`select 1`).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: '28P01' });
  });

  it('leave no password file behind, and log no password', async () => {
    expect((await readdir(dir)).sort()).toEqual(['postgres']);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(password);
  });

  it('set server messages in English', async () => {
    const rows = await connect(password, (sql) => sql`select current_setting('lc_messages') as setting`);

    expect(rows).toEqual([{ setting: 'C' }]);
  });
});

describe('startPostmaster', () => {
  it('refuses a second server on a data directory in use, saying what the server said', async () => {
    const error = await startPostmaster({ dataDir, port: await freePort(), runAs, logger }).catch(
      (e: Error) => e,
    );

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^postgres did not start: it exited /);
    expect((error as Error).message).toContain('postmaster.pid');
    // The first server is unaffected.
    expect(await connect(password, (sql) => sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });
});

describe('initialiseCluster', () => {
  it('refuses a data directory that is not empty, with initdb’s words, and removes its password file', async () => {
    const occupied = join(dir, 'occupied');
    await mkdir(occupied, { mode: 0o700 });
    await writeFile(join(occupied, 'something'), 'x');
    if (runAs) await chown(occupied, runAs.uid, runAs.gid);
    const other = randomPassword();

    const error = await initialiseCluster({
      dataDir: occupied,
      superuserPassword: other,
      runAs,
      logger,
    }).catch((e: Error) => e);

    expect((error as Error).message).toMatch(
      /^initdb failed \(code 1, signal null\): .*exists but is not empty/s,
    );
    expect((error as Error).message).not.toContain(other);
    expect((await readdir(dir)).sort()).toEqual(['occupied', 'postgres']);
  });
});

describe('Postmaster.stop', () => {
  it('resolves once the server has exited, and may be called again', async () => {
    await postmaster!.stop();
    await postmaster!.stop();
    postmaster = undefined;

    const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
    expect(pidFile).toBeUndefined();
    const error = await connect(password, (sql) => sql`select 1`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
