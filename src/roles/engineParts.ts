import type { Clock } from '../clock.js';
import type { EngineConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Chat2DeskAccess } from './chat2deskAccess.js';

/** Adds a stop to the engine's stop sequence, which runs them last-added first. */
export type AddStop = (stop: () => Promise<void>) => void;

/** What every role of one engine process shares: set up once, before any role starts. */
export interface EngineParts {
  config: EngineConfig;
  clock: Clock;
  logger: Logger;
  db: Database;
  /** The installation's secret path segment of the web hook receiver. */
  webhookSecret: string;
  chat2desk: Chat2DeskAccess;
  addStop: AddStop;
}
