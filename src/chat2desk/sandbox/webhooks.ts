import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Logger } from '../../logger.js';

const DEFAULT_RETRY_DELAYS_MS = [250, 1000];
const ATTEMPT_TIMEOUT_MS = 5000;

/**
 * POSTs web hook payloads. deliver() is the v1.08 single hook's: a failed delivery is retried briefly,
 * then logged. post() is one attempt, for today's web hooks, whose retries over hours of sandbox time
 * are scheduled by their caller (CompanyWebhooks). Neither throws, so a bad hook URL cannot crash anything.
 */
export class WebhookDispatcher {
  readonly #logger: Logger;
  readonly #retryDelaysMs: readonly number[];
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(logger: Logger, retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS) {
    this.#logger = logger;
    this.#retryDelaysMs = retryDelaysMs;
  }

  /** Resolves true once delivered (2xx), false after the last failed attempt or when closed. */
  deliver(url: string, payload: unknown): Promise<boolean> {
    return this.#track(this.#deliver(url, JSON.stringify(payload)));
  }

  /** One POST of `body` with extra `headers` (a signature): null once delivered (2xx), else what failed. */
  post(url: string, body: string, headers: Record<string, string>): Promise<string | null> {
    if (this.#abort.signal.aborted) return Promise.resolve('the sandbox is closing');
    return this.#track(this.#attempt(url, body, this.#abort.signal, headers));
  }

  #track<T>(delivery: Promise<T>): Promise<T> {
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
    return delivery;
  }

  /** Stops retries and waits for the deliveries under way. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight]);
  }

  async #deliver(url: string, body: string): Promise<boolean> {
    const signal = this.#abort.signal;
    for (let attempt = 0; attempt <= this.#retryDelaysMs.length; attempt++) {
      if (signal.aborted) return false;
      if (attempt > 0) {
        try {
          await sleep(this.#retryDelaysMs[attempt - 1], undefined, { signal });
        } catch {
          return false;
        }
      }
      const problem = await this.#attempt(url, body, signal);
      if (problem === null) return true;
      this.#logger.warn(
        { url: redactUrl(url), attempt: attempt + 1, problem },
        'sandbox web hook delivery failed',
      );
    }
    this.#logger.error({ url: redactUrl(url) }, 'sandbox web hook delivery given up');
    return false;
  }

  /** null on success, else what went wrong. */
  async #attempt(
    url: string,
    body: string,
    signal: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<string | null> {
    try {
      const res = await request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
        signal,
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS,
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}

/** Hook URLs carry a secret path segment; log only where they point. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '[invalid url]';
  }
}
