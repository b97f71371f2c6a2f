import type { FastifyInstance } from 'fastify';
import type { Chat2DeskClient } from './chat2desk/client.js';
import type { Sandbox, startSandbox } from './chat2desk/sandbox/index.js';
import { type Clock, systemClock } from './clock.js';
import type { EngineConfig } from './config/config.js';
import type { Database } from './db/database.js';
import type { Chat2DeskGate } from './delivery/chat2deskGate.js';
import type { ReplyWatcher } from './delivery/replyWatcher.js';
import type { StatusPoller } from './delivery/statusPoller.js';
import type { DeliveryWorker } from './delivery/worker.js';
import { installationWebhookSecret } from './http/webhookSecret.js';
import { type Logger, silentLogger } from './logger.js';
import { startApiRole } from './roles/apiRole.js';
import { openChat2DeskAccess } from './roles/chat2deskAccess.js';
import { openMigratedDatabase } from './roles/engineDatabase.js';
import type { AddStop, EngineParts } from './roles/engineParts.js';
import { startSchedulerRole } from './roles/schedulerRole.js';
import { startWorkerRole } from './roles/workerRole.js';
import type { Timekeeper } from './scheduler/timekeeper.js';

export const ROLES = ['all', 'api', 'scheduler', 'worker'] as const;
export type Role = (typeof ROLES)[number];

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
 * through PostgreSQL alone. A failed start stops what had started.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const role = options.role ?? 'all';
  const logger = options.logger ?? silentLogger;
  const stops: Array<() => Promise<void>> = [];
  const stop = () => stopInReverse(stops, logger);
  try {
    const parts = await openEngineParts(options, role, logger, (s) => stops.push(s));
    const engine = idleEngine(parts, stop);
    if (role === 'all' || role === 'worker') Object.assign(engine, await startWorkerRole(parts, engine));
    if (role === 'all' || role === 'scheduler') engine.timekeeper = startSchedulerRole(parts);
    if (role === 'all' || role === 'api') Object.assign(engine, await startApiRole(parts));
    logger.info({ role }, 'engine started');
    return engine;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What every role shares: the migrated database, the web hook secret, Chat2Desk behind its gate. */
async function openEngineParts(
  options: EngineOptions,
  role: Role,
  logger: Logger,
  addStop: AddStop,
): Promise<EngineParts> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const db = await openMigratedDatabase(config, role, logger, addStop);
  const webhookSecret = await installationWebhookSecret(db.sql);
  const chat2desk = await openChat2DeskAccess({
    config,
    clock,
    logger,
    db,
    sandbox: options.sandbox,
    addStop,
  });
  return { config, clock, logger, db, webhookSecret, chat2desk, addStop };
}

/** Stops what started, last first; a stop that fails is logged and the rest still run. */
async function stopInReverse(stops: Array<() => Promise<void>>, logger: Logger): Promise<void> {
  while (stops.length)
    await stops
      .pop()?.()
      .catch((error: unknown) => logger.warn({ err: error }, 'stop failed'));
}

/** The engine before any role has started: what every role shares. */
function idleEngine(parts: EngineParts, stop: () => Promise<void>): Engine {
  const { db, chat2desk } = parts;
  return {
    db,
    client: chat2desk.client,
    gate: chat2desk.gate,
    sandbox: chat2desk.sandbox,
    worker: undefined,
    timekeeper: undefined,
    statusPoller: undefined,
    replyWatcher: undefined,
    http: undefined,
    receivesWebhooks: false,
    httpUrl: undefined,
    stop,
  };
}
