import { type EngineConfig, type LogLevel, loadConfig } from '../config/config.js';
import { guardAgainstTypeFetchFailures } from '../db/typeFetchGuard.js';
import { createLogger, type Logger } from '../logger.js';

/** What every command starts from: validated configuration, a logger, and where to print. */
export interface CommandContext {
  config: EngineConfig;
  logger: Logger;
  stdout: NodeJS.WritableStream;
  /** Cleanups run once when the command ends, in reverse order (stop servers, close pools). */
  onExit(cleanup: () => Promise<void>): void;
  /** Resolves when the process is asked to stop (SIGINT or SIGTERM), for commands that serve. */
  untilStopped(): Promise<NodeJS.Signals>;
}

/** `env` is for tests; left out, loadConfig reads the process's environment (src/config is its only reader). */
export function createContext(defaultLogLevel: LogLevel, env?: Record<string, string | undefined>) {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel ?? defaultLogLevel);
  guardAgainstTypeFetchFailures(logger);
  const cleanups: Array<() => Promise<void>> = [];
  const context: CommandContext = {
    config,
    logger,
    stdout: process.stdout,
    onExit: (cleanup) => cleanups.push(cleanup),
    untilStopped: () =>
      new Promise((resolve) => {
        // Both listeners go when either signal comes: a later Ctrl-C then stops the process as usual.
        const signals = ['SIGINT', 'SIGTERM'] as const;
        const stops = signals.map((signal) => {
          const stop = () => {
            signals.forEach((other, index) => {
              process.off(other, stops[index]!);
            });
            resolve(signal);
          };
          process.on(signal, stop);
          return stop;
        });
      }),
  };
  const runCleanups = async () => {
    while (cleanups.length) {
      await cleanups
        .pop()?.()
        .catch((error: unknown) => logger.warn({ err: error }, 'cleanup failed'));
    }
  };
  return { context, runCleanups };
}

export function printJson(stdout: NodeJS.WritableStream, value: unknown): void {
  stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}
