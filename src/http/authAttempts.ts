import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

/** How many wrong tokens (login form or Bearer) one client address may try per window. */
export interface AuthFailureLimit {
  max: number;
  windowMs: number;
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { max: 10, windowMs: 60_000 };

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Counts failed authentications per client address, with @fastify/rate-limit's store (per instance,
 * in memory). One object per HTTP server, shared by the API, the dashboard's login and /metrics, so a
 * guess anywhere counts everywhere. A client over the limit is refused before its token is even
 * compared — a right guess made while blocked is not let through — until the window has passed.
 * Successes cost nothing.
 */
export class AuthAttempts {
  #limiter: Limiter | undefined;

  constructor(readonly limit: AuthFailureLimit = DEFAULT_AUTH_FAILURE_LIMIT) {}

  /** Before the first request: uses the instance's @fastify/rate-limit, registering one if it has none. */
  async attach(app: FastifyInstance): Promise<void> {
    if (this.#limiter) return;
    if (!app.hasDecorator('createRateLimit')) await app.register(rateLimit, { global: false });
    // Each createRateLimit has a store of its own: made once, so every scope shares the count.
    this.#limiter ??= app.createRateLimit({
      max: this.limit.max,
      timeWindow: this.limit.windowMs,
      keyGenerator: (request) => request.ip,
    });
  }

  /** Answers 429 itself and returns true when the client's address is blocked. */
  async refuseIfBlocked(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const state = await this.#attached()(request, { increment: false });
    if (state.isAllowed || state.remaining > 0) return false;
    const seconds = Math.max(1, state.ttlInSeconds);
    if (!request.raw.complete) void reply.header('connection', 'close');
    await reply
      .status(429)
      .header('retry-after', String(seconds))
      .send(
        errorBody('too_many_attempts', `too many wrong tokens from this address; try again in ${seconds} s`, {
          retryAfterSeconds: seconds,
        }),
      );
    return true;
  }

  async recordFailure(request: FastifyRequest): Promise<void> {
    await this.#attached()(request);
  }

  #attached(): Limiter {
    if (!this.#limiter) throw new Error('AuthAttempts.attach must run before the first request');
    return this.#limiter;
  }
}
