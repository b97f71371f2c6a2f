import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { Chat2DeskClient } from './chat2desk/client.js';
import { Chat2DeskError } from './chat2desk/errors.js';
import { type Sandbox, startSandbox } from './chat2desk/sandbox/index.js';
import { type Clock, systemClock } from './clock.js';
import type { EngineConfig } from './config/config.js';
import { connectDatabase, type Database, resolveDatabaseServer } from './db/database.js';
import { migrate } from './db/migrator.js';
import { retryDelayMs } from './delivery/backoff.js';
import { Chat2DeskGate } from './delivery/chat2deskGate.js';
import { QuotaGuard } from './delivery/quotaGuard.js';
import { SharedRateLimiter } from './delivery/rateLimiter.js';
import { ReplyWatcher } from './delivery/replyWatcher.js';
import { StatusPoller } from './delivery/statusPoller.js';
import { receivesWebhooks, registerWebhook } from './delivery/webhookRegistration.js';
import { WebhookWatch } from './delivery/webhookWatch.js';
import { DeliveryWorker } from './delivery/worker.js';
import { buildHttpServer } from './http/server.js';
import { installationWebhookSecret, legacyWebhookSecret } from './http/webhookSecret.js';
import { type Logger, silentLogger } from './logger.js';
import { chat2deskRequestObserver } from './metrics/chat2deskRequests.js';
import {
  rateLimiterWaitObserver,
  registerRateLimiterCounts,
  timedRateLimiter,
} from './metrics/rateLimiterWaits.js';
import { registerWorkerCounts } from './metrics/workerCounts.js';
import { Timekeeper } from './scheduler/timekeeper.js';

export const ROLES = ['all', 'api', 'scheduler', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const SANDBOX_TOKEN = 'sandbox-token';
const STATUS_POLL_INTERVAL_MS = 5_000;

export interface EngineOptions {
  config: EngineConfig;
  role?: Role;
  clock?: Clock;
  logger?: Logger;
  /** Options for the built-in sandbox when no CHAT2DESK_TOKEN is configured. */
  sandbox?: Parameters<typeof startSandbox>[0];
}

export interface Engine {
  db: Database;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  sandbox: Sandbox | undefined;
  worker: DeliveryWorker | undefined;
  timekeeper: Timekeeper | undefined;
  statusPoller: StatusPoller | undefined;
  /** Reads client replies (STOP) when no web hook brings them; undefined when one does. */
  replyWatcher: ReplyWatcher | undefined;
  http: FastifyInstance | undefined;
  /** Whether client replies and statuses reach this engine by web hook (else they are polled). */
  receivesWebhooks: boolean;
  /** Where the HTTP API listens, when this instance serves it. */
  httpUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * Puts the engine together for one process: database (migrated first), Chat2Desk (or the sandbox),
 * the shared rate limit and quota, and the roles asked for. Several such processes share the work
 * through PostgreSQL alone.
 */
const START_UP_ATTEMPTS = 6;

/**
 * A start-up call to Chat2Desk that a passing 5xx, 429 or network error must not turn into a failed
 * start: tried again with back-off (about 30 s in all) before the error is let through.
 */
async function retryWhileTransient<T>(
  call: () => Promise<T>,
  onRetry: (error: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof Chat2DeskError && error.retryable) || attempt >= START_UP_ATTEMPTS) throw error;
      onRetry(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
    }
  }
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { config } = options;
  const role = options.role ?? 'all';
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    while (stops.length)
      await stops
        .pop()?.()
        .catch((error: unknown) => logger.warn({ err: error }, 'stop failed'));
  };

  try {
    const server = await resolveDatabaseServer(config, logger);
    stops.push(server.stop);
    await migrate(server.url, { logger });
    const db = connectDatabase(server.url, { max: 10, applicationName: `broadcaster-${role}` });
    stops.push(db.close);
    const webhookSecret = await installationWebhookSecret(db.sql);

    let sandbox: Sandbox | undefined;
    let apiUrl = config.chat2desk.apiUrl;
    let token = config.chat2desk.token;
    if (!token) {
      sandbox = await startSandbox({
        port: 0,
        token: SANDBOX_TOKEN,
        whatsappDelayMs: config.whatsappNewClientDelayMs,
        logger,
        ...options.sandbox,
      });
      stops.push(() => sandbox!.close());
      apiUrl = sandbox.url;
      token = sandbox.token;
      logger.warn(
        { sandboxUrl: sandbox.url },
        'CHAT2DESK_TOKEN is not set: sending to the built-in Chat2Desk SANDBOX. No message reaches a real client.',
      );
    }
    // One registry per engine: what its client and limiter observe is what its /metrics shows.
    const registry = new Registry();
    const client = new Chat2DeskClient({
      baseUrl: apiUrl,
      token,
      timeoutMs: config.chat2desk.timeoutMs,
      logger,
      onRequestDone: chat2deskRequestObserver(registry),
    });
    stops.push(() => client.close());
    const limiter = new SharedRateLimiter({
      sql: db.sql,
      name: 'chat2desk',
      perSecond: config.chat2desk.requestsPerSecond,
      safetyMarginMs: config.chat2desk.rateMarginMs,
      longestRequestMs: client.longestRequestMs,
    });
    const quota = new QuotaGuard({
      sql: db.sql,
      clock,
      ...(config.chat2desk.monthlyQuota !== undefined
        ? { monthlyQuotaOverride: config.chat2desk.monthlyQuota }
        : {}),
    });
    registerRateLimiterCounts(registry, limiter);
    const gate = new Chat2DeskGate(timedRateLimiter(limiter, rateLimiterWaitObserver(registry)), quota);

    const engine: Engine = {
      db,
      client,
      gate,
      sandbox,
      worker: undefined,
      timekeeper: undefined,
      statusPoller: undefined,
      replyWatcher: undefined,
      http: undefined,
      receivesWebhooks: false,
      httpUrl: undefined,
      stop,
    };

    if (role === 'all' || role === 'worker') {
      const info = await retryWhileTransient(
        () => gate.callBeforeQuotaIsKnown(() => client.getApiInfo()),
        (error, attempt) =>
          logger.warn({ err: error, attempt }, 'Chat2Desk api_info failed at start-up; trying again'),
      );
      await quota.syncFromApiInfo(info);
      const route = await retryWhileTransient(
        () =>
          registerWebhook({
            publicUrl: config.publicUrl,
            client,
            gate,
            webhookSecret,
            legacySecret: legacyWebhookSecret(token),
            hook: info.hook,
            logger,
          }),
        (error, attempt) =>
          logger.warn(
            { err: error, attempt },
            'registering the Chat2Desk web hook failed at start-up; trying again',
          ),
      );
      engine.receivesWebhooks = receivesWebhooks(route);
      // Replies are polled where no web hook of ours brings them, and while today's hook is down.
      const replyWatcher =
        route.kind === 'legacy'
          ? undefined
          : new ReplyWatcher({
              sql: db.sql,
              client,
              gate,
              clock,
              logger,
              phoneRegion: config.phoneRegion,
              monthlyQuota: async () => {
                const usage = await quota.usage();
                return usage.mode === 'unlimited' ? null : (usage.quota ?? 0);
              },
            });
      engine.replyWatcher = replyWatcher;
      if (replyWatcher) {
        if (!engine.receivesWebhooks) replyWatcher.start();
        stops.push(() => replyWatcher.stop());
      }
      if (route.kind === 'webhooks' && replyWatcher) {
        const watch = new WebhookWatch({
          client,
          gate,
          clock,
          logger,
          ours: route.ours,
          up: route.up,
          onDown: () => {
            engine.receivesWebhooks = false;
            replyWatcher.start();
          },
          onUp: async (restoredAt) => {
            await replyWatcher.checkedSince(restoredAt);
            await replyWatcher.stop();
            engine.receivesWebhooks = true;
          },
        });
        watch.start();
        stops.push(() => watch.stop());
      }
      engine.worker = new DeliveryWorker({
        sql: db.sql,
        client,
        gate,
        clock,
        whatsappDelayMs: config.whatsappNewClientDelayMs,
        defaultTimezone: config.defaultTimezone,
        leaseMs: config.deliveryLeaseMs,
        rateMarginMs: config.chat2desk.rateMarginMs,
        phoneRegion: config.phoneRegion,
        logger,
        ...(replyWatcher
          ? {
              replies: {
                checkedSince: (at: Date) =>
                  engine.receivesWebhooks ? Promise.resolve() : replyWatcher.checkedSince(at),
              },
            }
          : {}),
      });
      engine.worker.start();
      stops.push(() => engine.worker!.stop());
      registerWorkerCounts(registry, engine.worker, engine.replyWatcher);
      engine.statusPoller = new StatusPoller({ sql: db.sql, client, gate, clock, logger });
      const timer = setInterval(() => {
        engine
          .statusPoller!.pollOnce()
          .catch((error: unknown) => logger.warn({ err: error }, 'status poll failed'));
      }, STATUS_POLL_INTERVAL_MS);
      stops.push(async () => clearInterval(timer));
    }
    if (role === 'all' || role === 'scheduler') {
      engine.timekeeper = new Timekeeper({ sql: db.sql, clock, logger });
      engine.timekeeper.start();
      stops.push(() => engine.timekeeper!.stop());
    }
    if (role === 'all' || role === 'api') {
      const http = buildHttpServer({
        sql: db.sql,
        clock,
        logger,
        webhookSecret,
        chat2deskToken: token,
        webhookSignatures: config.webhookSignatures,
        publicUrl: config.publicUrl,
        allowedHosts: config.http.allowedHosts,
        trustProxy: config.http.trustProxy,
        db,
        apiToken: config.http.apiToken,
        defaultTimezone: config.defaultTimezone,
        phoneRegion: config.phoneRegion,
        chat2desk: { client, gate, whatsappDelayMs: config.whatsappNewClientDelayMs },
        metrics: { registry },
        dashboard: true,
      });
      // Without an API token the API must not be reachable from other machines.
      const host = config.http.apiToken ? '0.0.0.0' : '127.0.0.1';
      if (!config.http.apiToken) {
        logger.warn({ host }, 'API_TOKEN is not set: the HTTP API listens on 127.0.0.1 only');
      } else {
        logger.info(
          { host, allowedHosts: config.http.allowedHosts },
          'the HTTP API listens on every interface behind API_TOKEN; requests by a name other than localhost, ' +
            "PUBLIC_URL's host or ALLOWED_HOSTS are refused (421)",
        );
      }
      const address = await http.listen({ port: config.http.port, host });
      stops.push(() => http.close());
      engine.http = http;
      engine.httpUrl = address;
    }
    logger.info({ role }, 'engine started');
    return engine;
  } catch (error) {
    await stop();
    throw error;
  }
}
