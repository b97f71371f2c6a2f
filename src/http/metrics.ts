import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { type Clock, systemClock } from '../clock.js';
import type { Sql } from '../db/database.js';
import type { Logger } from '../logger.js';
import { registerDatabaseMetrics } from '../metrics/databaseMetrics.js';
import { collectProcessMetricsOnce } from '../metrics/registry.js';
import { requireBearerToken } from './auth.js';
import { AuthAttempts } from './authAttempts.js';

export interface MetricsDeps {
  sql: Sql;
  /**
   * Where the engine's observers (chat2deskRequestObserver, rateLimiterWaitObserver) record; a
   * registry of its own when not given, never prom-client's global one.
   */
  registry?: Registry;
  /** The engine clock, for the age of the oldest due delivery and the quota's month. Default: system. */
  clock?: Clock;
  logger?: Logger;
  /** API_TOKEN: when set (the engine listens beyond loopback), scrapes must bear it too. */
  apiToken?: string | undefined;
  /** VIEWER_TOKEN: may scrape too (it reads). */
  viewerToken?: string | undefined;
  /** Shared with the API and the dashboard's login: a guess anywhere counts everywhere. */
  authAttempts?: AuthAttempts;
}

/** GET /metrics in the Prometheus text format: process, delivery, queue, Chat2Desk and quota metrics. */
export async function registerMetrics(app: FastifyInstance, deps: MetricsDeps): Promise<void> {
  const registry = deps.registry ?? new Registry();
  collectProcessMetricsOnce(registry);
  registerDatabaseMetrics(registry, {
    sql: deps.sql,
    clock: deps.clock ?? systemClock,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  if (deps.apiToken !== undefined) {
    const attempts = deps.authAttempts ?? new AuthAttempts();
    await attempts.attach(app);
    app.addHook(
      'onRequest',
      requireBearerToken({ apiToken: deps.apiToken, viewerToken: deps.viewerToken }, attempts),
    );
  }
  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}
