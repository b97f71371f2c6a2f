import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthAttempts, DEFAULT_AUTH_FAILURE_LIMIT } from '../../src/http/authAttempts.js';

const servers: FastifyInstance[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});

/**
 * A server whose two routes, in two plugin scopes, take the token "right" in `x-token` and count the
 * wrong ones with one AuthAttempts; the client's address comes from X-Forwarded-For.
 */
async function serve(options: { max?: number; registerRateLimitFirst?: boolean } = {}) {
  const app = Fastify({ trustProxy: true });
  servers.push(app);
  if (options.registerRateLimitFirst) await app.register(rateLimit, { global: false });
  const attempts = new AuthAttempts({ max: options.max ?? 3, windowMs: 60_000 });
  await attempts.attach(app);
  await attempts.attach(app);
  for (const prefix of ['/api', '/dashboard']) {
    await app.register(
      async (scope) => {
        scope.get('/guess', async (request, reply) => {
          if (await attempts.refuseIfBlocked(request, reply)) return reply;
          if (request.headers['x-token'] !== 'right') {
            await attempts.recordFailure(request);
            return reply.status(401).send({ wrong: true });
          }
          return { ok: true };
        });
      },
      { prefix },
    );
  }
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const guess = async (token: string, options: { from?: string; path?: string } = {}) => {
    const answer = await fetch(`${base}${options.path ?? '/api'}/guess`, {
      headers: { 'x-token': token, 'x-forwarded-for': options.from ?? '203.0.113.7' },
    });
    return {
      status: answer.status,
      retryAfter: answer.headers.get('retry-after'),
      body: await answer.json(),
    };
  };
  return { guess };
}

describe('AuthAttempts', () => {
  it('lets a client try wrong tokens up to the limit, then refuses it even the right one', async () => {
    const { guess } = await serve({ max: 3 });

    for (let i = 0; i < 3; i++) expect((await guess('wrong')).status).toBe(401);
    const blocked = await guess('right');

    expect(blocked.status).toBe(429);
    const seconds = Number(blocked.retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(blocked.body).toEqual({
      error: {
        code: 'too_many_attempts',
        message: `too many wrong tokens from this address; try again in ${seconds} s`,
        details: { retryAfterSeconds: seconds },
      },
    });
  });

  it('counts nothing for a right token', async () => {
    const { guess } = await serve({ max: 3 });

    for (let i = 0; i < 10; i++) expect((await guess('right')).status).toBe(200);
    expect((await guess('wrong')).status).toBe(401);
    expect((await guess('wrong')).status).toBe(401);

    expect(await guess('right')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('counts wrong tokens per client address', async () => {
    const { guess } = await serve({ max: 2 });

    await guess('wrong', { from: '203.0.113.7' });
    await guess('wrong', { from: '203.0.113.7' });

    expect((await guess('right', { from: '203.0.113.7' })).status).toBe(429);
    expect((await guess('right', { from: '198.51.100.2' })).status).toBe(200);
  });

  it('shares one count between the scopes of a server: a guess anywhere counts everywhere', async () => {
    const { guess } = await serve({ max: 2 });

    await guess('wrong', { path: '/api' });
    await guess('wrong', { path: '/dashboard' });

    expect((await guess('right', { path: '/api' })).status).toBe(429);
    expect((await guess('right', { path: '/dashboard' })).status).toBe(429);
  });

  it('uses the @fastify/rate-limit a server registered already', async () => {
    const { guess } = await serve({ max: 1, registerRateLimitFirst: true });

    await guess('wrong');

    expect((await guess('right')).status).toBe(429);
  });

  it('must be attached before it is used', async () => {
    const attempts = new AuthAttempts();

    await expect(attempts.recordFailure({} as never)).rejects.toThrow(
      'AuthAttempts.attach must run before the first request',
    );
  });

  it('allows ten wrong tokens a minute unless told otherwise', () => {
    expect(new AuthAttempts().limit).toEqual({ max: 10, windowMs: 60_000 });
    expect(DEFAULT_AUTH_FAILURE_LIMIT).toEqual({ max: 10, windowMs: 60_000 });
  });
});
