import { Registry } from 'prom-client';
import { Chat2DeskClient } from '../chat2desk/client.js';
import { type Sandbox, startSandbox } from '../chat2desk/sandbox/index.js';
import type { Clock } from '../clock.js';
import type { EngineConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { Chat2DeskGate } from '../delivery/chat2deskGate.js';
import { QuotaGuard } from '../delivery/quotaGuard.js';
import { SharedRateLimiter } from '../delivery/rateLimiter.js';
import type { Logger } from '../logger.js';
import { chat2deskRequestObserver } from '../metrics/chat2deskRequests.js';
import {
  rateLimiterWaitObserver,
  registerRateLimiterCounts,
  timedRateLimiter,
} from '../metrics/rateLimiterWaits.js';
import type { AddStop } from './engineParts.js';

const SANDBOX_TOKEN = 'sandbox-token';

/** Everything that talks to Chat2Desk in one engine, and the registry its /metrics shows. */
export interface Chat2DeskAccess {
  /** The built-in sandbox, when no CHAT2DESK_TOKEN is configured. */
  sandbox: Sandbox | undefined;
  /** The token requests carry: the configured one, or the sandbox's. */
  token: string;
  client: Chat2DeskClient;
  quota: QuotaGuard;
  /** The shared rate limit and the monthly quota, which every request passes first. */
  gate: Chat2DeskGate;
  /** One registry per engine: what its client and limiter observe is what its /metrics shows. */
  registry: Registry;
}

export interface Chat2DeskAccessOptions {
  config: EngineConfig;
  clock: Clock;
  logger: Logger;
  db: Database;
  sandbox: Parameters<typeof startSandbox>[0] | undefined;
  addStop: AddStop;
}

/** Chat2Desk (or the sandbox) behind the rate limit and quota shared by every process of the engine. */
export async function openChat2DeskAccess(options: Chat2DeskAccessOptions): Promise<Chat2DeskAccess> {
  const { config, clock, db } = options;
  const { sandbox, apiUrl, token } = await chooseChat2Desk(options);
  const registry = new Registry();
  const client = new Chat2DeskClient({
    baseUrl: apiUrl,
    token,
    timeoutMs: config.chat2desk.timeoutMs,
    logger: options.logger,
    onRequestDone: chat2deskRequestObserver(registry),
  });
  options.addStop(() => client.close());
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
  return { sandbox, token, client, quota, gate, registry };
}

/** The configured Chat2Desk, or without a token the built-in sandbox, loudly. */
async function chooseChat2Desk(
  options: Chat2DeskAccessOptions,
): Promise<{ sandbox: Sandbox | undefined; apiUrl: string; token: string }> {
  const { config, logger } = options;
  if (config.chat2desk.token) {
    return { sandbox: undefined, apiUrl: config.chat2desk.apiUrl, token: config.chat2desk.token };
  }
  const sandbox = await startSandbox({
    port: 0,
    token: SANDBOX_TOKEN,
    whatsappDelayMs: config.whatsappNewClientDelayMs,
    logger,
    ...options.sandbox,
  });
  options.addStop(() => sandbox.close());
  logger.warn(
    { sandboxUrl: sandbox.url },
    'CHAT2DESK_TOKEN is not set: sending to the built-in Chat2Desk SANDBOX. No message reaches a real client.',
  );
  return { sandbox, apiUrl: sandbox.url, token: sandbox.token };
}
