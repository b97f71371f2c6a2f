import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorReplies } from '../../src/http/errorReplies.js';
import { rawBodyOf, registerRequestParsing } from '../../src/http/requestParsing.js';
import { silentLogger } from '../../src/logger.js';

let app: FastifyInstance;
let base: string;

/** A server configured as buildHttpServer configures one (validation never coerces), with probe routes. */
beforeAll(async () => {
  app = Fastify({
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, allowUnionTypes: true },
    },
  });
  registerRequestParsing(app);
  registerErrorReplies(app, silentLogger);
  app.post('/echo', async (request) => ({ body: request.body ?? null, raw: rawBodyOf(request) ?? null }));
  app.get(
    '/items/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer' } } },
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer' },
            ratio: { type: ['number', 'null'] },
            active: { type: 'boolean' },
            name: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ params: request.params, query: request.query }),
  );
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
});

async function post(body: string): Promise<{ status: number; json: unknown }> {
  const answer = await fetch(`${base}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: answer.status, json: await answer.json() };
}

async function get(path: string): Promise<{ status: number; json: unknown }> {
  const answer = await fetch(`${base}${path}`);
  return { status: answer.status, json: await answer.json() };
}

describe('JSON bodies', () => {
  it('are parsed, and their text kept as it arrived', async () => {
    const text = '{ "name" : "Ann",\n "tags": ["a"] }';

    expect(await post(text)).toEqual({
      status: 200,
      json: { body: { name: 'Ann', tags: ['a'] }, raw: text },
    });
  });

  it('may be empty or blank: no body, the text still kept', async () => {
    expect(await post('  ')).toEqual({ status: 200, json: { body: null, raw: '  ' } });
  });

  it('are refused when they are not JSON', async () => {
    expect(await post('{"name": ')).toEqual({
      status: 400,
      json: { error: { code: 'invalid_json', message: 'the body is not valid JSON', details: {} } },
    });
  });

  it('are refused when they hold a key that could reach a prototype, however deep', async () => {
    expect((await post('{"a": {"__proto__": {"admin": true}}}')).json).toEqual({
      error: {
        code: 'invalid_json',
        message: 'the body contains the forbidden key "__proto__"',
        details: {},
      },
    });
    expect((await post('[{"constructor": {"prototype": {}}}]')).json).toMatchObject({
      error: { code: 'invalid_json', message: 'the body contains the forbidden key "constructor"' },
    });
  });

  it('may hold an ordinary "constructor" field', async () => {
    expect(await post('{"constructor": "Acme Builders"}')).toMatchObject({
      status: 200,
      json: { body: { constructor: 'Acme Builders' } },
    });
  });

  it('are refused when a string or a key holds a NUL character, naming where', async () => {
    expect(await post('{"contact": {"names": ["Ann", "B\\u0000b"]}}')).toEqual({
      status: 400,
      json: {
        error: {
          code: 'invalid_text',
          message: 'contact.names[1]: contains a NUL character (U+0000), which text may not hold',
          details: {},
        },
      },
    });
    expect((await post('"\\u0000"')).json).toMatchObject({
      error: {
        code: 'invalid_text',
        message: 'body: contains a NUL character (U+0000), which text may not hold',
      },
    });
  });

  it('say a body nested too deeply is that, not invalid', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

    expect(await post(deep)).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_json', message: 'the body is nested too deeply' } },
    });
  });
});

describe('query and path parameters', () => {
  it('are read as the numbers and booleans their schema asks for', async () => {
    expect(await get('/items/42?limit=-5&ratio=0.25&active=false&name=7')).toEqual({
      status: 200,
      json: { params: { id: 42 }, query: { limit: -5, ratio: 0.25, active: false, name: '7' } },
    });
  });

  it('are left as text for the schema to refuse when they do not read as what it asks for', async () => {
    for (const path of ['/items/0x1A', '/items/1?limit=1e3', '/items/1?active=yes', '/items/1?ratio=.5']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.json, path).toMatchObject({ error: { code: 'validation_failed' } });
    }
  });

  it('are refused when they hold a NUL character, naming where', async () => {
    expect(await get('/items/1?name=a%00b')).toEqual({
      status: 400,
      json: {
        error: {
          code: 'invalid_text',
          message: 'query name: contains a NUL character (U+0000), which text may not hold',
          details: {},
        },
      },
    });
    expect((await get('/items/1%00')).json).toMatchObject({
      error: {
        code: 'invalid_text',
        message: 'path id: contains a NUL character (U+0000), which text may not hold',
      },
    });
  });
});
