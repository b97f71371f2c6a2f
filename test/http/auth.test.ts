import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerTokenMatches, requireBearerToken } from '../../src/http/auth.js';
import { AuthAttempts } from '../../src/http/authAttempts.js';

const TOKEN = 'the-right-token';

describe('bearerTokenMatches', () => {
  it('matches the token after the Bearer scheme, whatever its case', () => {
    expect(bearerTokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerTokenMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerTokenMatches(`BEARER ${TOKEN}`, TOKEN)).toBe(true);
  });

  it('tolerates tabs and spaces around the token', () => {
    expect(bearerTokenMatches(`Bearer\t  ${TOKEN} \t`, TOKEN)).toBe(true);
  });

  it('refuses a missing or empty header, and a scheme without a token', () => {
    expect(bearerTokenMatches(undefined, TOKEN)).toBe(false);
    expect(bearerTokenMatches('', TOKEN)).toBe(false);
    expect(bearerTokenMatches('Bearer ', TOKEN)).toBe(false);
    expect(bearerTokenMatches(TOKEN, TOKEN)).toBe(false);
  });

  it('refuses another scheme, a prefix, a longer token and a second word', () => {
    expect(bearerTokenMatches(`Basic ${TOKEN}`, TOKEN)).toBe(false);
    expect(bearerTokenMatches(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe(false);
    expect(bearerTokenMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(bearerTokenMatches(`Bearer ${TOKEN} ${TOKEN}`, TOKEN)).toBe(false);
  });
});

describe('requireBearerToken', () => {
  const servers: FastifyInstance[] = [];
  afterEach(async () => {
    while (servers.length) await servers.pop()?.close();
  });

  /** A server whose one route sits behind the hook, counting wrong tokens up to `max`. */
  async function serve(apiToken: string | undefined, max = 2, viewerToken?: string) {
    const app = Fastify();
    servers.push(app);
    const attempts = new AuthAttempts({ max, windowMs: 60_000 });
    await attempts.attach(app);
    app.addHook('onRequest', requireBearerToken({ apiToken, viewerToken }, attempts));
    app.get('/thing', async () => ({ ok: true }));
    app.post('/thing', async () => ({ changed: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return async (authorization?: string, method = 'GET') => {
      const response = await fetch(`${url}/thing`, {
        method,
        headers: authorization ? { authorization } : {},
      });
      const body = (await response.json()) as { error: { code: string; message: string } };
      return { status: response.status, headers: response.headers, body };
    };
  }

  it('lets every request through when no token is configured', async () => {
    const get = await serve(undefined);
    expect((await get()).status).toBe(200);
    expect((await get('Bearer anything')).status).toBe(200);
  });

  it('says a header is needed when none was sent, and that the token is wrong when one was', async () => {
    const get = await serve(TOKEN, 10);
    const missing = await get();
    const wrong = await get('Bearer nope');
    expect(missing.status).toBe(401);
    expect(missing.body.error.message).toContain('needs an "Authorization: Bearer <API_TOKEN>" header');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toEqual({
      code: 'unauthorized',
      message: 'the bearer token is not valid for this API',
      details: {},
    });
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="broadcaster"');
  });

  it('does not count a request without a header as a wrong guess', async () => {
    const get = await serve(TOKEN, 1);
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(401);
    expect((await get(`Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('lets the viewer token read but not change, saying which token a change needs', async () => {
    const viewer = 'viewer-token-0123456789';
    const call = await serve(TOKEN, 10, viewer);
    expect((await call(`Bearer ${viewer}`)).status).toBe(200);
    expect((await call(`Bearer ${TOKEN}`, 'POST')).status).toBe(200);
    const refused = await call(`Bearer ${viewer}`, 'POST');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      code: 'forbidden',
      message: 'the viewer token (VIEWER_TOKEN) only reads; POST needs API_TOKEN',
      details: {},
    });
    expect(JSON.stringify(refused.body)).not.toContain(viewer);
  });

  it('does not count a viewer’s refused change as a wrong guess', async () => {
    const viewer = 'viewer-token-0123456789';
    const call = await serve(TOKEN, 1, viewer);
    for (let i = 0; i < 3; i++) expect((await call(`Bearer ${viewer}`, 'POST')).status).toBe(403);
    expect((await call(`Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('refuses even the right token with 429 once the wrong ones pass the limit', async () => {
    const get = await serve(TOKEN, 1);
    expect((await get('Bearer wrong')).status).toBe(401);
    const blocked = await get(`Bearer ${TOKEN}`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_attempts');
  });
});
