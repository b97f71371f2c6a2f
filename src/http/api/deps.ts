import type { Chat2DeskClient } from '../../chat2desk/client.js';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import type { Chat2DeskGate } from '../../delivery/chat2deskGate.js';
import type { Logger } from '../../logger.js';
import type { PhoneRegion } from '../../phones/phone.js';
import type { AuthAttempts } from '../authAttempts.js';

/** What the API's routes reach: handlers stay thin and call the services with these. */
export interface ApiDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** API_TOKEN; undefined: the API is open (the engine then listens on 127.0.0.1 only). */
  apiToken: string | undefined;
  /** VIEWER_TOKEN: reads (GET) only. */
  viewerToken: string | undefined;
  /** Where `{"file": "name.hbs"}` templates are read from. */
  templatesDir: string;
  /** DEFAULT_TIMEZONE, for rendering previews as the worker would. */
  defaultTimezone: string | undefined;
  /** DEFAULT_PHONE_REGION: every phone the API takes is read in it when written without a country code. */
  phoneRegion: PhoneRegion;
  /** For test-send: absent, the route answers 503. */
  chat2desk: { client: Chat2DeskClient; gate: Chat2DeskGate; whatsappDelayMs: number } | undefined;
  /** The largest CSV an import route accepts, streamed. */
  importBodyLimitBytes: number;
  /** Counts wrong tokens per client address, shared with the dashboard's login and /metrics. */
  authAttempts: AuthAttempts;
}
