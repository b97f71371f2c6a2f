import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { type DashboardDeps, registerDashboard } from '../../src/http/dashboard/index.js';
import { buildHttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { createLogger, type Logger, silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

export const API_TOKEN = 'test-api-token-5f2c9';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  body: T;
}

export interface ApiServer {
  app: FastifyInstance;
  url: string;
  clock: ManualClock;
  /** A request to the API with the bearer token, unless `token` says otherwise (null: no header). */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { json?: unknown; body?: string; contentType?: string; token?: string | null },
  ): Promise<ApiAnswer<T>>;
  close(): Promise<void>;
}

/** The real HTTP server on a free port, in front of a test database. */
export async function startApiServer(
  db: TestDatabase,
  options: Partial<HttpServerOptions> & { clock?: ManualClock } = {},
): Promise<ApiServer> {
  const clock = options.clock ?? new ManualClock('2026-11-27T07:00:00.000Z');
  const app = buildHttpServer({
    sql: db.sql,
    clock,
    logger: silentLogger,
    webhookSecret: 'webhook-secret',
    db,
    apiToken: API_TOKEN,
    ...options,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    clock,
    async call(method, path, request = {}) {
      const headers: Record<string, string> = {};
      const token = request.token === undefined ? API_TOKEN : request.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined = request.body;
      if (request.json !== undefined) {
        body = JSON.stringify(request.json);
        headers['content-type'] = 'application/json';
      }
      if (request.contentType) headers['content-type'] = request.contentType;
      const response = await fetch(`${url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, text, body: parsed as never };
    },
    close: () => app.close(),
  };
}

/** Asserts nothing a client must not see: no stack frames, no token. */
export function leaksNothing(text: string): boolean {
  return !/\bat .+:\d+:\d+/.test(text) && !text.includes(API_TOKEN) && !/node_modules|\/src\//.test(text);
}

/** The database and server a file shares: both are usable inside tests once its beforeAll has run. */
export interface ApiServerOnTestDatabase {
  db: TestDatabase;
  server: ApiServer;
}

/** Registers the file's beforeAll/afterAll that make a test database and start the API server on it (closed and dropped after). */
export function useApiServerOnTestDatabase(
  options: Partial<HttpServerOptions> & { clock?: ManualClock } = {},
): ApiServerOnTestDatabase {
  let db: TestDatabase | undefined;
  let server: ApiServer | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApiServer(db, options);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });
  return {
    db: readThroughOnceStarted(() => db, ['name', 'url', 'sql', 'prisma', 'close', 'drop']),
    server: readThroughOnceStarted(() => server, ['app', 'url', 'clock', 'call', 'close']),
  };
}

/** A stand-in whose listed properties are read from `current()` at each use: set by a beforeAll, usable in tests. */
function readThroughOnceStarted<T extends object>(
  current: () => T | undefined,
  keys: readonly (keyof T)[],
): T {
  const standIn = {} as T;
  for (const key of keys) {
    Object.defineProperty(standIn, key, {
      enumerable: true,
      get() {
        const value = current();
        if (value === undefined) throw new Error('the API server is used before its beforeAll has run');
        return value[key];
      },
    });
  }
  return standIn;
}

/** The dashboard alone on its own Fastify instance (trusting a proxy when asked), listening on a free port. */
export async function startDashboardServer(
  deps: DashboardDeps,
  options: { trustProxy?: boolean } = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify(options.trustProxy ? { trustProxy: true } : {});
  registerDashboard(app, deps);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/** A real `info` logger whose every written line is kept in `lines`, to look for what it must not say. */
export function loggerKeepingLines(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  return { logger, lines };
}
