import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger, formatLogLine, type Logger, logFormatFor } from '../src/logger.js';

const CHAT2DESK_TOKEN = 'c2d-4f9a1e7b2d6c8e0f';
const API_TOKEN = 'api-7d3b9c1a5e2f4b6d';
const VIEWER_TOKEN = 'viewer-1c5e9a3b7d2f';

/** A logger at trace writing into an array of raw lines, so a test sees exactly what would reach the log. */
function capture(format: 'json' | 'pretty' = 'json'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('trace', destination, format), lines };
}

function expectNoSecrets(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).not.toContain(CHAT2DESK_TOKEN);
    expect(line).not.toContain(API_TOKEN);
    expect(line).not.toContain(VIEWER_TOKEN);
  }
}

describe('the logger', () => {
  it('writes one JSON object per line with the level, time, service and message', () => {
    const { logger, lines } = capture();
    logger.info({ campaignId: 7 }, 'campaign paused');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      service: 'broadcaster',
      campaignId: 7,
      msg: 'campaign paused',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it.each([
    ['a token field', { token: CHAT2DESK_TOKEN }],
    ['an API token field', { apiToken: API_TOKEN }],
    ['a viewer token field', { http: { viewerToken: VIEWER_TOKEN } }],
    ['a token one level down', { chat2desk: { token: CHAT2DESK_TOKEN } }],
    ['a token two levels down', { config: { chat2desk: { token: CHAT2DESK_TOKEN } } }],
    ['an authorization header', { headers: { authorization: CHAT2DESK_TOKEN } }],
    [
      'an Authorization header with Bearer',
      { request: { headers: { Authorization: `Bearer ${API_TOKEN}` } } },
    ],
    ['a Bearer token under any name', { upstream: { credentials: `Bearer ${API_TOKEN}` } }],
    ['a URL with ?token=', { url: `https://api.chat2desk.com/v1/messages?token=${CHAT2DESK_TOKEN}&x=1` }],
    ['a token inside an array', { attempts: [{ token: CHAT2DESK_TOKEN }] }],
    [
      'a URL object with ?token=',
      { target: new URL(`https://api.chat2desk.com/v1/clients?token=${CHAT2DESK_TOKEN}`) },
    ],
    ['a database URL with a password', { databaseUrl: `postgres://app:${API_TOKEN}@db.example/app` }],
    [
      'a web hook URL, whose path is its secret',
      { err: new Error(`refused https://b.example/webhooks/chat2desk/${API_TOKEN}?x=1`) },
    ],
  ])('redacts %s', (_shape, object) => {
    const { logger, lines } = capture();
    logger.info(object, 'calling Chat2Desk');
    expectNoSecrets(lines);
    expect(lines[0]).toContain('[redacted]');
    expect(JSON.parse(lines[0]!).msg).toBe('calling Chat2Desk');
  });

  it('redacts the whole loaded configuration, keeping its other values', () => {
    const { logger, lines } = capture();
    const config = loadConfig({ CHAT2DESK_TOKEN, API_TOKEN, VIEWER_TOKEN, PORT: '8080' });
    logger.info({ config }, 'configuration');
    expectNoSecrets(lines);
    expect(JSON.parse(lines[0]!).config.http.port).toBe(8080);
  });

  it('redacts a token in the message text and in an error message', () => {
    const { logger, lines } = capture();
    logger.warn(`GET https://api.chat2desk.com/v1/clients?token=${CHAT2DESK_TOKEN} failed`);
    logger.error({ err: new Error(`refused: Bearer ${API_TOKEN}`) }, 'request failed');
    expectNoSecrets(lines);
    const error = JSON.parse(lines[1]!).err;
    expect(error.type).toBe('Error');
    expect(error.message).toBe('refused: Bearer [redacted]');
    expect(error.stack).toContain('logger.test');
  });

  it('redacts tokens bound to a child logger', () => {
    const { logger, lines } = capture();
    logger.child({ component: 'client', token: CHAT2DESK_TOKEN }).info({ apiToken: API_TOKEN }, 'ready');
    expectNoSecrets(lines);
    expect(JSON.parse(lines[0]!).component).toBe('client');
  });

  it('survives an object that refers to itself', () => {
    const { logger, lines } = capture();
    const loop: Record<string, unknown> = { token: CHAT2DESK_TOKEN };
    loop.self = loop;
    logger.info({ loop }, 'circular');
    expectNoSecrets(lines);
    expect(JSON.parse(lines[0]!).loop.self).toBe('[circular]');
  });

  it('keeps values that only look like secrets by name elsewhere', () => {
    const { logger, lines } = capture();
    logger.info({ tokens: 3, endpoint: 'POST /v1/messages', url: 'https://example.com/?page=2' }, 'ok');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      tokens: 3,
      endpoint: 'POST /v1/messages',
      url: 'https://example.com/?page=2',
    });
  });
});

describe('the logger on a terminal', () => {
  it('is pretty when stderr is a terminal and JSON otherwise', () => {
    expect(logFormatFor({ isTTY: true })).toBe('pretty');
    expect(logFormatFor({ isTTY: false })).toBe('json');
    expect(logFormatFor({})).toBe('json');
  });

  it('writes one line a record: time, level, message, then key=value', () => {
    const { logger, lines } = capture('pretty');
    logger.warn({ campaignId: 7, reason: 'window closed', nested: { a: 1 } }, 'campaign paused');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3}Z WARN {2}campaign paused campaignId=7 reason="window closed" nested=\{"a":1\}$/,
    );
  });

  it('gives an error as its type and message on the same line', () => {
    const { logger, lines } = capture('pretty');
    logger.error({ err: Object.assign(new TypeError('bad input'), { code: 'E1' }) }, 'failed');
    expect(lines).toEqual([expect.stringMatching(/ERROR failed err="TypeError: bad input \(E1\)"$/)]);
  });

  it('redacts secrets as the JSON logs do', () => {
    const { logger, lines } = capture('pretty');
    logger.info(
      { config: loadConfig({ CHAT2DESK_TOKEN, API_TOKEN, VIEWER_TOKEN }), header: `Bearer ${API_TOKEN}` },
      `GET /v1/messages?token=${VIEWER_TOKEN}`,
    );
    logger.child({ token: CHAT2DESK_TOKEN }).info('bound');
    expectNoSecrets(lines);
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('passes a line that is not JSON as it is', () => {
    expect(formatLogLine('plain text')).toBe('plain text\n');
  });
});
