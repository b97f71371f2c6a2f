import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthAttempts } from './authAttempts.js';
import { errorBody } from './errors.js';

/**
 * Whether an `Authorization: Bearer <token>` header carries the expected token. Both sides are hashed
 * first, so the comparison takes the same time whatever the given token's length or content.
 */
export function bearerTokenMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(expected));
}

/**
 * An onRequest hook (before the body is read, so an unauthenticated upload is refused at once) that
 * lets through only requests bearing API_TOKEN; with no token configured the API is open, and the
 * engine then listens on 127.0.0.1 only. Wrong tokens are counted per client address: past the limit
 * every attempt is a 429. The answer never repeats what the client sent.
 */
export function requireBearerToken(apiToken: string | undefined, attempts: AuthAttempts) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (apiToken === undefined) return;
    if (await attempts.refuseIfBlocked(request, reply)) return;
    const header = request.headers.authorization;
    if (bearerTokenMatches(header, apiToken)) return;
    if (header !== undefined) await attempts.recordFailure(request);
    // An upload refused before it is read: close rather than read it, or leave it for the next request.
    if (!request.raw.complete) reply.header('connection', 'close');
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer realm="broadcaster"')
      .send(
        header === undefined
          ? errorBody('unauthorized', 'this API needs an "Authorization: Bearer <API_TOKEN>" header')
          : errorBody('unauthorized', 'the bearer token is not valid for this API'),
      );
  };
}
