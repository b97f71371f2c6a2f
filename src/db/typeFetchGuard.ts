import type { Logger } from '../logger.js';

/**
 * A workaround for a postgres.js defect (3.4.9; porsager/postgres issues #1192, #1205, #1223, open):
 * every new connection first reads the array types from pg_catalog.pg_type, in an async function
 * whose promise nobody awaits. When that query fails — the connection is closed or terminated during
 * a PostgreSQL restart, right after connecting — the rejection is unhandled and Node ends the process.
 * The application's own queries are not affected (they fail or succeed on their own, and the engine
 * handles those), so this one rejection is logged and dropped. Any other unhandled rejection still
 * ends the process, as it would without the guard.
 *
 * Installed once by the CLI, for the process's lifetime. Returns the uninstaller.
 */
export function guardAgainstTypeFetchFailures(logger: Logger): () => void {
  const onRejection = (reason: unknown) => {
    if (!isTypeFetchFailure(reason)) throw reason;
    logger.warn(
      { err: { message: (reason as Error).message, code: (reason as { code?: unknown }).code } },
      'a new database connection failed while reading array types (postgres.js defect #1192): ignored',
    );
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}

/** postgres.js marks a failed query's error with the query's text: the internal array-types query's. */
export function isTypeFetchFailure(reason: unknown): boolean {
  if (!(reason instanceof Error)) return false;
  const query = (reason as { query?: unknown }).query;
  return typeof query === 'string' && TYPE_FETCH_QUERY.test(query);
}

const TYPE_FETCH_QUERY =
  /from pg_catalog\.pg_type a\s+left join pg_catalog\.pg_type b on b\.oid = a\.typelem\s+where a\.typcategory = 'A'/;
