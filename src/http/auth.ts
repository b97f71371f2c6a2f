import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthAttempts } from './authAttempts.js';
import { errorBody } from './errors.js';

/** Who a token speaks for: API_TOKEN may do everything, VIEWER_TOKEN only read. */
export type AccessRole = 'admin' | 'viewer';

/** API_TOKEN (none: the engine is open, on 127.0.0.1 only) and the optional read-only VIEWER_TOKEN. */
export interface AccessTokens {
  apiToken: string | undefined;
  viewerToken?: string | undefined;
}

/** The methods a viewer may use: those that change nothing. */
const READING_METHODS = new Set(['GET', 'HEAD']);

/** Whether `given` is `expected`. Both are hashed first: the same time whatever the given length or content. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The role a presented token grants, or null; both tokens are always compared, in constant time. */
export function roleOfToken(given: string, tokens: AccessTokens): AccessRole | null {
  const admin = tokens.apiToken !== undefined && sameSecret(given, tokens.apiToken);
  const viewer = tokens.viewerToken !== undefined && sameSecret(given, tokens.viewerToken);
  return admin ? 'admin' : viewer ? 'viewer' : null;
}

/** The role an `Authorization: Bearer <token>` header grants, or null. */
export function bearerRole(header: string | undefined, tokens: AccessTokens): AccessRole | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ? roleOfToken(match[1], tokens) : null;
}

/** Whether an `Authorization: Bearer <token>` header carries the expected token. */
export function bearerTokenMatches(header: string | undefined, expected: string): boolean {
  return bearerRole(header, { apiToken: expected }) === 'admin';
}

/**
 * An onRequest hook (before the body is read, so an unauthenticated upload is refused at once) that
 * lets through only requests bearing API_TOKEN, or VIEWER_TOKEN for a method that changes nothing;
 * with no token configured the API is open, and the engine then listens on 127.0.0.1 only. Wrong
 * tokens are counted per client address: past the limit every attempt is a 429. The answer never
 * repeats what the client sent.
 */
export function requireBearerToken(tokens: AccessTokens, attempts: AuthAttempts) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (tokens.apiToken === undefined) return;
    if (await attempts.refuseIfBlocked(request, reply)) return;
    const header = request.headers.authorization;
    const role = bearerRole(header, tokens);
    if (role === 'admin' || (role === 'viewer' && READING_METHODS.has(request.method))) return;
    if (role === null && header !== undefined) await attempts.recordFailure(request);
    // An upload refused before it is read: close rather than read it, or leave it for the next request.
    if (!request.raw.complete) reply.header('connection', 'close');
    if (role === 'viewer') {
      await reply
        .status(403)
        .send(
          errorBody(
            'forbidden',
            `the viewer token (VIEWER_TOKEN) only reads; ${request.method} needs API_TOKEN`,
          ),
        );
      return;
    }
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
