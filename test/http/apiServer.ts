import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../src/clock.js';
import { buildHttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import type { TestDatabase } from '../support/database.js';

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
