import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { request } from 'undici';
import { expect } from 'vitest';
import { ApiCaller } from '../../src/chat2desk/apiCaller.js';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import { RequestRateLimiter } from '../../src/chat2desk/sandbox/apiBudget.js';
import { CompanyWebhooks } from '../../src/chat2desk/sandbox/companyWebhooks.js';
import type { SandboxContext } from '../../src/chat2desk/sandbox/context.js';
import { FaultInjector } from '../../src/chat2desk/sandbox/faults.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/chat2desk/sandbox/index.js';
import type { MessageInit } from '../../src/chat2desk/sandbox/models.js';
import { DEFAULT_CHANNELS, resolveSettings } from '../../src/chat2desk/sandbox/options.js';
import { SandboxState } from '../../src/chat2desk/sandbox/state.js';
import { WebhookDispatcher } from '../../src/chat2desk/sandbox/webhooks.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger, type Logger, silentLogger } from '../../src/logger.js';
import { startRecordingServer } from './recordingServer.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, asserted field by field
export type Json = any;

/** One raw API call to a sandbox, as any HTTP client would make it. */
export async function api(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = sb.token,
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = token;
  const res = await request(`${sb.url}${path}`, {
    method: method as 'GET',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

/** POST /v1/clients (parameters in the query string, as the manual says); returns the client id. */
export async function createClient(sb: Sandbox, phone: string, transport = 'whatsapp', channelId?: number) {
  const channel = channelId === undefined ? '' : `&channel_id=${channelId}`;
  const res = await api(sb, 'POST', `/v1/clients?phone=${phone}&transport=${transport}${channel}`);
  expect(res.status).toBe(200);
  return res.body.data.id as number;
}

/** POST to a control endpoint (/sandbox/…) of a sandbox reached only by URL (a process of its own). */
export async function controlSandbox(
  baseUrl: string,
  token: string,
  path: string,
  body: unknown,
): Promise<void> {
  const res = await request(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`POST ${path}: ${res.statusCode} ${text}`);
}

/** GET a control endpoint (/sandbox/state, /sandbox/stats) of a sandbox reached only by URL. */
export async function readSandbox(baseUrl: string, token: string, path: string): Promise<Json> {
  const res = await request(`${baseUrl}${path}`, { headers: { authorization: token } });
  if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${await res.body.text()}`);
  return res.body.json();
}

/** A sandbox on port 0 and a Chat2DeskClient pointed at it (5 s time-out); close() closes both. */
export async function startSandboxClient(
  options: SandboxOptions = {},
): Promise<{ sandbox: Sandbox; client: Chat2DeskClient; close: () => Promise<void> }> {
  const sandbox = await startSandbox({ port: 0, ...options });
  const client = new Chat2DeskClient({ baseUrl: sandbox.url, token: sandbox.token, timeoutMs: 5_000 });
  return {
    sandbox,
    client,
    close: async () => {
      await client.close();
      await sandbox.close();
    },
  };
}

/** What a resource test works against: a sandbox with an ApiCaller on it, and a recording server. */
export interface ResourceTestbed {
  sandbox: Sandbox;
  api: ApiCaller;
  recording: Awaited<ReturnType<typeof startRecordingServer>>;
  close: () => Promise<void>;
}

/** Starts a sandbox (token 'sandbox-token') with an ApiCaller on it, and a recording server beside it. */
export async function startResourceTestbed(options: SandboxOptions = {}): Promise<ResourceTestbed> {
  const sandbox = await startSandbox({ port: 0, token: 'sandbox-token', ...options });
  const api = new ApiCaller({ baseUrl: sandbox.url, token: sandbox.token, timeoutMs: 5_000 });
  const recording = await startRecordingServer();
  return {
    sandbox,
    api,
    recording,
    close: async () => {
      await api.close();
      await sandbox.close();
      await recording.close();
    },
  };
}

/** A writable stream that parses each JSON log line written to it into `lines`. */
export function logLineRecorder(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

/** The project's logger (createLogger, at `level`) whose JSON lines the test reads back. */
export function recordingLogger(level = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const { stream, lines } = logLineRecorder();
  return { logger: createLogger(level, stream), lines };
}

/** The error of class `type` that `run` throws; anything else thrown is rethrown. */
export function errorThrownBy<E extends Error>(
  run: () => unknown,
  type: abstract new (...args: never[]) => E,
): E {
  try {
    run();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

/** A sandbox's shared pieces on a ManualClock at `startMs`, without its HTTP server, and a close(). */
export function startSandboxContext(
  startMs: number,
  options: SandboxOptions = {},
  retryDelaysMs?: readonly number[],
): {
  ctx: SandboxContext & { clock: ManualClock };
  clock: ManualClock;
  state: SandboxState;
  close: () => Promise<void>;
} {
  const clock = new ManualClock(startMs);
  const settings = resolveSettings(options);
  const state = new SandboxState(DEFAULT_CHANNELS, { clock, statusTimings: settings.statusTimings });
  const webhooks = new WebhookDispatcher(silentLogger, retryDelaysMs);
  const hooks = new CompanyWebhooks({
    clock,
    token: 't',
    state,
    settings,
    http: webhooks,
    logger: silentLogger,
  });
  const ctx: SandboxContext & { clock: ManualClock } = {
    token: 't',
    clock,
    state,
    settings,
    faults: new FaultInjector(),
    rateLimiter: new RequestRateLimiter(),
    webhooks,
    hooks,
    logger: silentLogger,
  };
  return {
    ctx,
    clock,
    state,
    close: async () => {
      await hooks.close();
      await webhooks.close();
    },
  };
}

/** A plain pino logger (debug, no redaction) whose JSON lines the test reads back. */
export function recordingPlainLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const { stream, lines } = logLineRecorder();
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A message as the sandbox state stores it: the given fields, with no attachment, dialog, operator or request. */
export function sandboxMessageInit(
  fields: Pick<MessageInit, 'clientId' | 'type' | 'text' | 'transport' | 'acceptedAt'> &
    Partial<Omit<MessageInit, 'id'>>,
): Omit<MessageInit, 'id'> {
  return {
    attachment: null,
    coordinates: null,
    channelId: 1,
    dialogId: null,
    operatorId: null,
    goesOutAt: null,
    reportsStatus: false,
    unreachable: false,
    requestId: null,
    ...fields,
  };
}

/** One request as a canned-answer server received it. */
export interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP server answering whatever the test last set, and recording each request as it arrived. */
export interface CannedAnswerServer {
  baseUrl: string;
  seen: RawRequest[];
  /** Answer from now on with this status and body (a string as it is, anything else as JSON). */
  answerWith(status: number, body: unknown, contentType?: string): void;
  close(): Promise<void>;
}

/** Starts a canned-answer server on 127.0.0.1 (first answer: 200 `{"status":"success","data":null}`). */
export async function startCannedAnswerServer(): Promise<CannedAnswerServer> {
  const seen: RawRequest[] = [];
  let next = { status: 200, body: '{"status":"success","data":null}', contentType: 'application/json' };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(next.status, { 'content-type': next.contentType });
      res.end(next.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answerWith(status, body, contentType = 'application/json') {
      next = { status, body: typeof body === 'string' ? body : JSON.stringify(body), contentType };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
