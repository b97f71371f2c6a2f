import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

/** How many wrong tokens (login form or Bearer) one client address may try per window. */
export interface AuthFailureLimit {
  max: number;
  windowMs: number;
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { max: 10, windowMs: 60_000 };

/** The rate-limit group the API, the dashboard and /metrics share: a guess anywhere counts everywhere. */
const GROUP = 'auth-failures';

/**
 * Counts failed authentications per client address (with @fastify/rate-limit's store; per instance).
 * A client over the limit is refused before its token is even compared — a right guess made while
 * blocked is not let through — until the window has passed. Successes cost nothing.
 */
export interface AuthAttempts {
  /** Answers 429 itself and returns true when the client's address is blocked. */
  refuseIfBlocked(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  recordFailure(request: FastifyRequest): Promise<void>;
}

/**
 * Uses the @fastify/rate-limit of the instance or an ancestor (the HTTP server registers one for all
 * scopes, so they share the count), registering one when there is none.
 */
export async function authAttempts(app: FastifyInstance, limit: AuthFailureLimit): Promise<AuthAttempts> {
  if (!app.hasDecorator('createRateLimit')) await app.register(rateLimit, { global: false });
  const limiter = app.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => `${GROUP}:${request.ip}`,
  });
  return {
    async refuseIfBlocked(request, reply) {
      const state = await limiter(request, { increment: false });
      if (state.isAllowed || state.remaining > 0) return false;
      const seconds = Math.max(1, state.ttlInSeconds);
      if (!request.raw.complete) void reply.header('connection', 'close');
      await reply
        .status(429)
        .header('retry-after', String(seconds))
        .send(
          errorBody(
            'too_many_attempts',
            `too many wrong tokens from this address; try again in ${seconds} s`,
            { retryAfterSeconds: seconds },
          ),
        );
      return true;
    },
    async recordFailure(request) {
      await limiter(request);
    },
  };
}
