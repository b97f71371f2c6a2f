import postgres from 'postgres';
import { BroadcasterError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import {
  type EmbeddedCredentials,
  embeddedUrl,
  newCredentials,
  readCredentials,
  writeCredentials,
} from './credentials.js';
import { SUPERUSER } from './postgresServer.js';
import { scramSha256Verifier } from './scramVerifier.js';

/** The superuser password of every embedded cluster made before passwords were generated: public. */
export const LEGACY_SUPERUSER_PASSWORD = 'broadcaster';

/**
 * The credentials whose superuser password the running server accepts. A cluster still on the legacy
 * password gets a random one: written to `path` first and set second, so a crash in between leaves the
 * legacy password working and the next start finishes the rotation with the password in the file.
 */
export async function secureSuperuser(
  port: number,
  path: string,
  logger: Logger,
): Promise<EmbeddedCredentials> {
  const kept = await readCredentials(path);
  if (kept && (await acceptsSuperuser(port, kept.superuserPassword))) return kept;
  if (!(await acceptsSuperuser(port, LEGACY_SUPERUSER_PASSWORD))) {
    throw new BroadcasterError(
      'embedded_postgres_failed',
      kept
        ? `the embedded PostgreSQL on port ${port} refuses the superuser password kept in ${path}; ` +
            'restore the file that belongs to this data directory, or move both away to start afresh'
        : `the embedded PostgreSQL on port ${port} has no passwords file (${path}) and refuses the ` +
            'legacy password; restore that file, or move the data directory away to start afresh',
      { port, path },
    );
  }
  const credentials = kept ?? newCredentials();
  if (!kept) await writeCredentials(path, credentials);
  await runAsSuperuser(port, LEGACY_SUPERUSER_PASSWORD, (sql) =>
    sql.unsafe(`alter role ${SUPERUSER} password '${scramSha256Verifier(credentials.superuserPassword)}'`),
  );
  logger.warn(
    { path, port },
    'the embedded PostgreSQL superuser had the old built-in password; it now has a random one, kept in ' +
      'the file named here (restart any older broadcaster process still connected to this server)',
  );
  return credentials;
}

async function acceptsSuperuser(port: number, password: string): Promise<boolean> {
  try {
    await runAsSuperuser(port, password, (sql) => sql`select 1`);
    return true;
  } catch (error) {
    // 28P01: wrong password. Anything else (the server gone, say) is not an answer about the password.
    if ((error as { code?: string }).code === '28P01') return false;
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `cannot reach the embedded PostgreSQL on port ${port}: ${(error as Error).message}`,
      { port },
      { cause: error },
    );
  }
}

/** One short-lived superuser connection to the maintenance database, closed whatever happens. */
export async function runAsSuperuser<T>(
  port: number,
  password: string,
  work: (sql: postgres.Sql) => Promise<T>,
  database = 'postgres',
): Promise<T> {
  const sql = postgres(embeddedUrl(port, SUPERUSER, password, database), { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
