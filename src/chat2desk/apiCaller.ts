import { Pool } from 'undici';
import { ConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { readAnswer, type SuccessfulAnswer } from './answer.js';
import { type CallSpec, endpointOf, requestPath } from './callSpec.js';
import { Chat2DeskError, Chat2DeskServerError } from './errors.js';
import { exchange } from './exchange.js';
import type { ListMeta, ListResult } from './types.js';

export interface Chat2DeskClientOptions {
  /** e.g. `https://api.chat2desk.com`; a path prefix is kept. */
  baseUrl: string;
  token: string;
  /** Deadline of one request, from the call to the end of the answer. Default 15000. */
  timeoutMs?: number;
  /** Keep-alive connections to the API. Default 32. */
  connections?: number;
  logger?: Logger;
  /**
   * Called once per request when it ends: `outcome` is `ok` or the error code without its
   * `chat2desk_` prefix (`rate_limited`, `timeout`…); for metrics (see chat2deskRequestObserver).
   */
  onRequestDone?: (endpoint: string, outcome: string, durationMs: number) => void;
}

/** Real tokens are long; a very short one (a test's "t") would only mangle every text it occurs in. */
const MIN_REDACTED_LENGTH = 6;

/**
 * Makes the calls the typed methods describe: one exchange over a keep-alive undici pool, its answer
 * read into data or a typed error, each request counted, logged at debug and reported to the observer.
 * Never retries.
 */
export class ApiCaller {
  readonly #token: string;
  readonly #pathPrefix: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #pool: Pool;
  readonly #onRequestDone: Chat2DeskClientOptions['onRequestDone'];
  readonly #counts = new Map<string, number>();
  #total = 0;

  constructor(options: Chat2DeskClientOptions) {
    const url = new URL(options.baseUrl);
    // Checked here so that undici never gets to quote a malformed header value in an error.
    if (options.token === '' || /[\r\n\0]/.test(options.token)) {
      throw new ConfigError('CHAT2DESK_TOKEN', 'the token is empty or contains a line break');
    }
    this.#token = options.token;
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#logger = options.logger ?? silentLogger;
    this.#onRequestDone = options.onRequestDone;
    this.#pool = new Pool(url.origin, {
      connections: options.connections ?? 32,
      pipelining: 1,
      connectTimeout: this.#timeoutMs,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** Connecting, then sending before the answer's headers are due: each may take the whole deadline. */
  get longestRequestMs(): number {
    return 2 * this.#timeoutMs;
  }

  get requestCount(): number {
    return this.#total;
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  /** The answer's `data`, as the call's method says it is. */
  async data<T>(spec: CallSpec): Promise<T> {
    return (await this.#call(spec)).data as T;
  }

  /** The answer's `data`, which must be a list. */
  async array<T>(spec: CallSpec): Promise<T[]> {
    return this.#array<T>(spec, (await this.#call(spec)).data);
  }

  /** A list answer; where the service sends no `meta` the list is taken as one whole page. */
  async list<T>(spec: CallSpec): Promise<ListResult<T>> {
    const answer = await this.#call(spec);
    const data = this.#array<T>(spec, answer.data);
    const meta: ListMeta = answer.meta ?? { total: data.length, limit: data.length, offset: 0 };
    return { data, meta };
  }

  #array<T>(spec: CallSpec, data: unknown): T[] {
    if (Array.isArray(data)) return data as T[];
    const endpoint = endpointOf(spec);
    throw new Chat2DeskServerError(`Chat2Desk ${endpoint}: expected a list in "data"`, {
      endpoint,
      httpStatus: 200,
      ambiguous: false,
    });
  }

  async #call(spec: CallSpec): Promise<SuccessfulAnswer> {
    const endpoint = endpointOf(spec);
    const acts = spec.acts ?? spec.method !== 'GET';
    const path = this.#pathPrefix + requestPath(spec);
    const headers: Record<string, string> = { authorization: this.#token, accept: 'application/json' };
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    const redact = (text: string): string => redactSecret(text, this.#token);
    const startedAt = performance.now();
    try {
      const answer = await exchange(this.#pool, {
        endpoint,
        method: spec.method,
        path,
        headers,
        body,
        timeoutMs: this.#timeoutMs,
        acts,
        onSent: () => this.#count(endpoint),
        redact,
      });
      const result = readAnswer(endpoint, acts, answer, redact);
      this.#logger.debug(
        { endpoint, httpStatus: answer.statusCode, ms: elapsed(startedAt) },
        'chat2desk request',
      );
      this.#reportDone(endpoint, 'ok', startedAt);
      return result;
    } catch (err) {
      this.#reportFailure(endpoint, err, startedAt);
      throw err;
    }
  }

  #reportFailure(endpoint: string, err: unknown, startedAt: number): void {
    if (err instanceof Chat2DeskError) {
      const { code, httpStatus, retryable, ambiguous } = err;
      this.#logger.debug(
        { endpoint, code, httpStatus, retryable, ambiguous, ms: elapsed(startedAt) },
        'chat2desk request failed',
      );
    }
    this.#reportDone(endpoint, requestOutcome(err), startedAt);
  }

  /** A failing observer must not turn a request's result into an error: it is only told. */
  #reportDone(endpoint: string, outcome: string, startedAt: number): void {
    if (!this.#onRequestDone) return;
    try {
      this.#onRequestDone(endpoint, outcome, performance.now() - startedAt);
    } catch (error) {
      this.#logger.warn({ err: error, endpoint }, 'chat2desk request observer failed');
    }
  }

  #count(endpoint: string): void {
    this.#total += 1;
    this.#counts.set(endpoint, (this.#counts.get(endpoint) ?? 0) + 1);
  }
}

/** `ok`, the error code without its prefix (`rate_limited`, `timeout`), or `error` for anything else. */
function requestOutcome(error: unknown): string {
  return error instanceof Chat2DeskError ? error.code.replace(/^chat2desk_/, '') : 'error';
}

function redactSecret(text: string, secret: string): string {
  return secret.length < MIN_REDACTED_LENGTH ? text : text.split(secret).join('[redacted]');
}

function elapsed(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}
