import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCredentials, readCredentials, writeCredentials } from '../../../src/db/embedded/credentials.js';
import {
  LEGACY_SUPERUSER_PASSWORD,
  runAsSuperuser,
  secureSuperuser,
} from '../../../src/db/embedded/superuserAccess.js';
import { BroadcasterError } from '../../../src/errors.js';
import type { Logger } from '../../../src/logger.js';
import { freePort } from '../../support/freePort.js';
import { type EmbeddedCluster, startEmbeddedCluster } from './embeddedCluster.js';

/** One cluster made as older engines made it (the built-in password), started once for the file. */
let cluster: EmbeddedCluster | undefined;
let dir: string;
let port: number;
let logger: Logger;
let logLines: string[];
let path: string;

beforeAll(async () => {
  cluster = await startEmbeddedCluster({
    dirPrefix: 'broadcaster-superuser-',
    superuserPassword: LEGACY_SUPERUSER_PASSWORD,
  });
  ({ dir, port, logger, logLines } = cluster);
  path = `${cluster.dataDir}.credentials.json`;
});

afterAll(async () => {
  await cluster?.stop();
});

const accepts = (password: string) =>
  runAsSuperuser(port, password, (sql) => sql`select 1`).then(
    () => true,
    (error: { code?: string }) => (error.code === '28P01' ? false : Promise.reject(error)),
  );

const refusal = (work: Promise<unknown>): Promise<BroadcasterError> =>
  work.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: BroadcasterError) => error,
  );

describe('runAsSuperuser', () => {
  it('gives the work a superuser connection to the database named, and returns what it returns', async () => {
    const [row] = await runAsSuperuser(
      port,
      LEGACY_SUPERUSER_PASSWORD,
      (sql) => sql<{ role: string; db: string; su: string }[]>`
        select current_user as role, current_database() as db, current_setting('is_superuser') as su`,
      'template1',
    );

    expect(row).toEqual({ role: 'postgres', db: 'template1', su: 'on' });
  });

  it('passes on what the work throws', async () => {
    await expect(
      runAsSuperuser(port, LEGACY_SUPERUSER_PASSWORD, async () => {
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
  });
});

describe('secureSuperuser', () => {
  it('moves a cluster off the legacy password: a random one, kept in a 0600 file first, said once in the log', async () => {
    logLines.length = 0;

    const credentials = await secureSuperuser(port, path, logger);

    expect(await readCredentials(path)).toEqual(credentials);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await accepts(credentials.superuserPassword)).toBe(true);
    expect(await accepts(LEGACY_SUPERUSER_PASSWORD)).toBe(false);
    const warned = logLines.filter((line) => line.includes('old built-in password'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(path);
    expect(logLines.join('\n')).not.toContain(credentials.superuserPassword);
    expect(logLines.join('\n')).not.toContain(credentials.ownerPassword);
  });

  it('returns the kept passwords when the server accepts them, changing nothing', async () => {
    const kept = await readCredentials(path);
    const before = await readFile(path, 'utf8');
    logLines.length = 0;

    expect(await secureSuperuser(port, path, logger)).toEqual(kept);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(logLines.filter((line) => line.includes('old built-in password'))).toEqual([]);
  });

  it('finishes a rotation a crash cut short: the file written, the legacy password still set', async () => {
    const kept = (await readCredentials(path))!;
    await runAsSuperuser(port, kept.superuserPassword, (sql) =>
      sql.unsafe(`alter role postgres password '${LEGACY_SUPERUSER_PASSWORD}'`),
    );
    const planned = newCredentials();
    await writeCredentials(path, planned);

    expect(await secureSuperuser(port, path, logger)).toEqual(planned);
    expect(await accepts(planned.superuserPassword)).toBe(true);
    expect(await readCredentials(path)).toEqual(planned);
  });

  it('names the passwords file, never a password, when the server refuses the one kept', async () => {
    const kept = (await readCredentials(path))!;
    const wrong = newCredentials();
    await writeCredentials(path, wrong);
    try {
      const error = await refusal(secureSuperuser(port, path, logger));

      expect(error).toBeInstanceOf(BroadcasterError);
      expect(error.code).toBe('embedded_postgres_failed');
      expect(error.message).toBe(
        `the embedded PostgreSQL on port ${port} refuses the superuser password kept in ${path}; ` +
          'restore the file that belongs to this data directory, or move both away to start afresh',
      );
      expect(error.details).toEqual({ port, path });
      const said = `${error.message} ${JSON.stringify(error)} ${logLines.join('\n')}`;
      expect(said).not.toContain(wrong.superuserPassword);
      expect(said).not.toContain(kept.superuserPassword);
    } finally {
      await writeCredentials(path, kept);
    }
  });

  it('says the passwords file is missing when there is none and the legacy password is refused', async () => {
    const missing = join(dir, 'elsewhere.credentials.json');

    const error = await refusal(secureSuperuser(port, missing, logger));

    expect(error.code).toBe('embedded_postgres_failed');
    expect(error.message).toContain(`has no passwords file (${missing})`);
    expect(error.message).toContain(`port ${port}`);
  });

  it('tells an unreachable server from a wrong password', async () => {
    const closed = await freePort();
    const elsewhere = join(dir, 'unreachable.credentials.json');
    await writeFile(elsewhere, `${JSON.stringify(newCredentials())}\n`, { mode: 0o600 });

    const error = await refusal(secureSuperuser(closed, elsewhere, logger));

    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.code).toBe('embedded_postgres_failed');
    expect(error.message).toMatch(new RegExp(`^cannot reach the embedded PostgreSQL on port ${closed}: `));
    expect(error.details).toEqual({ port: closed });
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
