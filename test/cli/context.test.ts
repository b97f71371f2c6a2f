import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext, printJson } from '../../src/cli/context.js';
import { ConfigError } from '../../src/errors.js';

function collectingStream(): { stream: Writable; text: () => string } {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  return { stream, text: () => written };
}

// createContext installs process-wide listeners (the CLI's, for its lifetime): the test removes its own.
const WATCHED = ['unhandledRejection', 'SIGINT', 'SIGTERM'];
const events: NodeJS.EventEmitter = process;
let before: Map<string, Set<unknown>>;
beforeEach(() => {
  before = new Map(WATCHED.map((event) => [event, new Set(events.listeners(event))]));
});
afterEach(() => {
  for (const event of WATCHED) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener)) events.off(event, listener as () => void);
    }
  }
});

describe('printJson', () => {
  it('writes the value as indented JSON on its own line', () => {
    const out = collectingStream();

    printJson(out.stream, { id: 3, tags: ['a'] });

    expect(out.text()).toBe('{\n  "id": 3,\n  "tags": [\n    "a"\n  ]\n}\n');
  });

  it('writes a bigint as a string, at any depth, where JSON.stringify would throw', () => {
    const out = collectingStream();

    printJson(out.stream, { total: 9_007_199_254_740_993n, rows: [{ id: 1n }] });

    expect(JSON.parse(out.text())).toEqual({ total: '9007199254740993', rows: [{ id: '1' }] });
  });
});

describe('createContext', () => {
  it('reads the configuration from the environment given', () => {
    const { context } = createContext('warn', {
      DATABASE_URL: 'postgres://u@127.0.0.1:5/x',
      DEFAULT_TIMEZONE: 'Europe/Moscow',
      LOG_LEVEL: 'silent',
    });

    expect(context.config.databaseUrl).toBe('postgres://u@127.0.0.1:5/x');
    expect(context.config.defaultTimezone).toBe('Europe/Moscow');
    expect(context.stdout).toBe(process.stdout);
  });

  it('logs at the command’s own level unless LOG_LEVEL says otherwise', () => {
    expect(createContext('warn', {}).context.logger.level).toBe('warn');
    expect(createContext('info', { LOG_LEVEL: 'debug' }).context.logger.level).toBe('debug');
  });

  it('refuses a bad configuration with an error naming the variable', () => {
    let error: unknown;
    try {
      createContext('warn', { LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('LOG_LEVEL');
  });

  it('runs the cleanups once, the last registered first', async () => {
    const { context, runCleanups } = createContext('warn', { LOG_LEVEL: 'silent' });
    const ran: string[] = [];
    context.onExit(async () => void ran.push('close pool'));
    context.onExit(async () => void ran.push('stop server'));

    await runCleanups();
    await runCleanups();

    expect(ran).toEqual(['stop server', 'close pool']);
  });

  it('goes on with the other cleanups when one fails, and does not fail itself', async () => {
    const { context, runCleanups } = createContext('warn', { LOG_LEVEL: 'silent' });
    const ran: string[] = [];
    context.onExit(async () => void ran.push('first registered'));
    context.onExit(async () => {
      throw new Error('pool already closed');
    });
    context.onExit(async () => void ran.push('last registered'));

    await expect(runCleanups()).resolves.toBeUndefined();

    expect(ran).toEqual(['last registered', 'first registered']);
  });

  it('tells a serving command which signal asked it to stop', async () => {
    const { context } = createContext('info', { LOG_LEVEL: 'silent' });

    const stopped = context.untilStopped();
    process.emit('SIGTERM');

    expect(await stopped).toBe('SIGTERM');
  });

  it('lets go of both signals once one has come, so a later Ctrl-C is not swallowed', async () => {
    const { context } = createContext('info', { LOG_LEVEL: 'silent' });
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };

    const stopped = context.untilStopped();
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
    process.emit('SIGTERM');

    expect(await stopped).toBe('SIGTERM');
    expect({ int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') }).toEqual(before);
  });
});
