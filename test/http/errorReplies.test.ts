import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorReplies } from '../../src/http/errorReplies.js';
import { HttpError } from '../../src/http/errors.js';
import { loggerKeepingLines } from './apiServer.js';

let app: FastifyInstance;
let url: string;
const { logger, lines } = loggerKeepingLines();

beforeAll(async () => {
  app = Fastify();
  registerErrorReplies(app, logger);
  app.get('/teapot/:name', async () => {
    throw new HttpError(418, 'teapot', 'I am a teapot', { spout: 1 });
  });
  app.get('/broken/:secret', async () => {
    throw new Error('internal detail: password=hunter2');
  });
  app.post('/echo', async (request) => ({ got: request.body }));
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
});

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${url}${path}`, init);
  return { status: response.status, body: (await response.json()) as { error: Record<string, unknown> } };
}

describe('registerErrorReplies', () => {
  it('answers a path no route serves with 404 not_found, naming the method and path without the query', async () => {
    const answer = await call('/nowhere?token=abc');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      error: { code: 'not_found', message: 'no route GET /nowhere', details: {} },
    });
  });

  it('answers an HttpError with its own status, code and details, and logs nothing', async () => {
    const before = lines.length;
    const answer = await call('/teapot/earl-grey');
    expect(answer.status).toBe(418);
    expect(answer.body.error).toEqual({ code: 'teapot', message: 'I am a teapot', details: { spout: 1 } });
    expect(lines.length).toBe(before);
  });

  it('answers an unexpected error with a 500 that says nothing of it, and logs it by route pattern', async () => {
    const answer = await call('/broken/s3cr3t-path');
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('internal_error');
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    const logged = lines.join('');
    expect(logged).toContain('"route":"GET /broken/:secret"');
    expect(logged).toContain('request failed');
    expect(logged).not.toContain('s3cr3t-path');
  });

  it('names the body type it does not read, cut to 80 characters, and says what to send', async () => {
    const type = `application/${'x'.repeat(100)}`;
    const answer = await call('/echo', {
      method: 'POST',
      headers: { 'content-type': `${type}; charset=utf-8` },
      body: 'hi',
    });
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
    expect(answer.body.error.message).toBe(
      `a body of type "${type.slice(0, 80)}" is not read here: send application/json (a campaign may also be YAML, an import text/csv or a multipart/form-data file)`,
    );
  });
});
