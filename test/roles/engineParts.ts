import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import type { Clock } from '../../src/clock.js';
import { type EngineConfig, loadConfig } from '../../src/config/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { openChat2DeskAccess } from '../../src/roles/chat2deskAccess.js';
import type { AddStop, EngineParts } from '../../src/roles/engineParts.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** One line the engine logged, as JSON parsed. */
export type LogLine = Record<string, unknown>;

export interface RecordingLogger {
  logger: Logger;
  /** Every line written so far, in order. */
  lines: LogLine[];
}

/** A logger at level info that keeps each line it writes, parsed, for the test to read. */
export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  return { logger, lines };
}

export interface StopSequence {
  /** The stops not run yet, in the order they were added. */
  stops: Array<() => Promise<void>>;
  addStop: AddStop;
  /** Runs and removes every stop, last added first. */
  runAll(): Promise<void>;
}

/** The engine's stop sequence: last added, first run. */
export function stopSequence(): StopSequence {
  const stops: Array<() => Promise<void>> = [];
  return {
    stops,
    addStop: (stop) => {
      stops.push(stop);
    },
    async runAll() {
      while (stops.length) await stops.pop()?.();
    },
  };
}

export interface SharedDatabaseAndSandbox {
  db: TestDatabase;
  /** A sandbox standing in for the live Chat2Desk, taking the token 'live-token'. */
  sandbox: Sandbox;
}

/** A test database and a 'live-token' sandbox for a file's tests: opened before all, closed after all. */
export function shareDatabaseAndSandbox(): SharedDatabaseAndSandbox {
  const shared = {} as SharedDatabaseAndSandbox;
  beforeAll(async () => {
    shared.db = await createTestDatabase();
    shared.sandbox = await startSandbox({ port: 0, token: 'live-token' });
  });
  afterAll(async () => {
    await shared.sandbox.close();
    await shared.db.drop();
  });
  return shared;
}

/** The config of a role test: the test database, no request rate limit, and `env` on top. */
export function roleTestConfig(db: TestDatabase, env: Record<string, string> = {}): EngineConfig {
  return loadConfig({ DATABASE_URL: db.url, CHAT2DESK_REQUESTS_PER_SECOND: '0', ...env });
}

export interface EnginePartsOptions {
  db: TestDatabase;
  /** The sandbox the engine talks to as its Chat2Desk; no built-in sandbox is started. */
  sandbox: Sandbox;
  /** CHAT2DESK_TOKEN; 'live-token' unless given. */
  token?: string | undefined;
  clock: Clock;
  webhookSecret: string;
  addStop: AddStop;
  /** Further environment, over the rest. */
  env?: Record<string, string>;
}

export interface RecordedEngineParts {
  parts: EngineParts;
  /** What the parts' logger wrote. */
  lines: LogLine[];
}

/** The parts one engine process shares (config, clock, logger, db, Chat2Desk, stops), logging to `lines`. */
export async function buildEngineParts(options: EnginePartsOptions): Promise<RecordedEngineParts> {
  const { db, clock, webhookSecret, addStop } = options;
  const { logger, lines } = recordingLogger();
  const config = roleTestConfig(db, {
    CHAT2DESK_API_URL: options.sandbox.url,
    CHAT2DESK_TOKEN: options.token ?? 'live-token',
    ...options.env,
  });
  const chat2desk = await openChat2DeskAccess({ config, clock, logger, db, sandbox: undefined, addStop });
  return { parts: { config, clock, logger, db, webhookSecret, chat2desk, addStop }, lines };
}
