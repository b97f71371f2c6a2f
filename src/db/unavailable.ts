/**
 * Whether an error means the database could not be reached or went away (a restart, a failover, a
 * dropped connection), as opposed to a query that PostgreSQL refused. Work that failed this way can be
 * tried again as it was once the database answers.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (PRISMA_CONNECTION_CODES.has(code)) return true;
  return CONNECTION_CODES.has(code) || code.startsWith('08') || SHUTDOWN_SQLSTATES.has(code);
}

/** postgres.js's own connection errors and Node's socket errors. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** Prisma's (through @prisma/adapter-pg): P1001 cannot reach the server, P1008 socket timeout, P1017 connection closed. */
const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1008', 'P1017']);

/** SQLSTATE class 57P: admin_shutdown, crash_shutdown, cannot_connect_now, database_dropped. */
const SHUTDOWN_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P04']);
