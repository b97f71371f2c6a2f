import { describe, expect, it } from 'vitest';
import { API_TOKEN, leaksNothing, startApiServer, useApiServerOnTestDatabase } from './apiServer.js';

const { db, server } = useApiServerOnTestDatabase({
  bodyLimitBytes: 64 * 1024,
  importBodyLimitBytes: 256 * 1024,
});

describe('authentication', () => {
  it('refuses a request without a token with 401 and a WWW-Authenticate challenge', async () => {
    const answer = await server.call('GET', '/api/v1/campaigns', { token: null });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(answer.body).toEqual({
      error: { code: 'unauthorized', message: expect.any(String), details: {} },
    });
  });

  it('refuses a wrong token without repeating it', async () => {
    const wrong = 'wrong-token-that-must-not-be-echoed';
    const answer = await server.call('GET', '/api/v1/contacts', { token: wrong });
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain(wrong);
    expect(leaksNothing(answer.text)).toBe(true);
  });

  it('refuses a token that is only a prefix of the right one', async () => {
    const answer = await server.call('GET', '/api/v1/lists', { token: API_TOKEN.slice(0, -1) });
    expect(answer.status).toBe(401);
  });

  it('refuses a token given with another scheme', async () => {
    const response = await fetch(`${server.url}/api/v1/lists`, {
      headers: { authorization: `Basic ${API_TOKEN}` },
    });
    expect(response.status).toBe(401);
  });

  it('lets the right token through', async () => {
    const answer = await server.call('GET', '/api/v1/lists');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
  });

  it('refuses an unauthenticated upload before reading it', async () => {
    const answer = await server.call('POST', '/api/v1/contacts/import', {
      token: null,
      body: 'phone\n79990001122\n',
      contentType: 'text/csv',
    });
    expect(answer.status).toBe(401);
    const [count] = await db.sql`select count(*)::int as n from contacts`;
    expect(count?.n).toBe(0);
  });

  it('keeps /healthz open', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('serves an open API when no token is configured', async () => {
    const open = await startApiServer(db, { apiToken: undefined });
    try {
      const answer = await open.call('GET', '/api/v1/lists', { token: null });
      expect(answer.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('errors', () => {
  it('answers malformed JSON with 400 invalid_json', async () => {
    const answer = await server.call('POST', '/api/v1/lists', {
      body: '{"name": "vip",',
      contentType: 'application/json',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: 'invalid_json', message: 'the body is not valid JSON', details: {} },
    });
  });

  it('refuses a body that would reach an object prototype', async () => {
    const answer = await server.call('POST', '/api/v1/lists', {
      body: '{"name": "vip", "__proto__": {"admin": true}}',
      contentType: 'application/json',
    });
    expect(answer.status).toBe(400);
    expect((answer.body as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('names every unknown field instead of dropping it', async () => {
    const answer = await server.call('POST', '/api/v1/contacts', {
      json: { phone: '+7 999 000-11-22', nmae: 'Anna', optIn: { source: 'form', when: 'now' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: {
        code: 'validation_failed',
        message: expect.stringContaining('nmae: unknown field'),
        details: {
          in: 'body',
          issues: expect.arrayContaining([
            { path: 'nmae', message: 'unknown field' },
            { path: 'optIn.when', message: 'unknown field' },
          ]),
        },
      },
    });
    const [count] = await db.sql`select count(*)::int as n from contacts`;
    expect(count?.n).toBe(0);
  });

  it('names a field of the wrong type and never coerces it', async () => {
    const answer = await server.call('POST', '/api/v1/lists/1/members', { json: { contactIds: ['7'] } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: {
        code: 'validation_failed',
        details: { issues: [{ path: 'contactIds[0]', message: 'must be integer' }] },
      },
    });
  });

  it('names a missing required field', async () => {
    const answer = await server.call('POST', '/api/v1/lists', { json: { description: 'no name' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { details: { issues: [{ path: 'name', message: 'required' }] } },
    });
  });

  it('names a query parameter of the wrong type or out of range', async () => {
    const text = await server.call('GET', '/api/v1/campaigns?limit=lots');
    expect(text.status).toBe(400);
    expect(text.body).toMatchObject({
      error: { code: 'validation_failed', details: { in: 'query', issues: [{ path: 'limit' }] } },
    });
    const tooMany = await server.call('GET', '/api/v1/campaigns?limit=201');
    expect(tooMany.status).toBe(400);
    const unknown = await server.call('GET', '/api/v1/campaigns?stauts=draft');
    expect(unknown.body).toMatchObject({
      error: { details: { issues: [{ path: 'stauts', message: 'unknown field' }] } },
    });
  });

  it('answers a path id that is not a number with 400 naming it', async () => {
    const answer = await server.call('GET', '/api/v1/campaigns/abc');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { details: { in: 'path', issues: [{ path: 'id' }] } } });
    const huge = await server.call('GET', '/api/v1/contacts/99999999999');
    expect(huge.status).toBe(400);
  });

  it('answers an oversize JSON body with 413 body_too_large', async () => {
    const answer = await server.call('POST', '/api/v1/lists', {
      json: { name: 'big', description: 'x'.repeat(70 * 1024) },
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('answers an oversize CSV import with 413 body_too_large', async () => {
    const csv = `phone,note\n${Array.from({ length: 10_000 }, (_, i) => `7999${String(i).padStart(7, '0')},${'n'.repeat(30)}`).join('\n')}\n`;
    const answer = await server.call('POST', '/api/v1/contacts/import', {
      body: csv,
      contentType: 'text/csv',
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('stops a CSV import streamed without a length once it passes the limit, with 413', async () => {
    const row = `79990000000,${'n'.repeat(100)}\n`;
    const response = await fetch(`${server.url}/api/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'text/csv' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('phone,note\n'));
          // 512 KB in 4 KB chunks: twice the limit of this server.
          for (let i = 0; i < 128; i++) controller.enqueue(new TextEncoder().encode(row.repeat(40)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('answers a body of an unsupported type with 415', async () => {
    const answer = await server.call('POST', '/api/v1/lists', {
      body: '<list/>',
      contentType: 'application/xml',
    });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });

  it('answers a malformed URL with 400 in the error envelope', async () => {
    const answer = await server.call('GET', '/api/v1/campaigns/%E0%A4%A');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'bad_request', details: {} } });
  });

  it('answers an unknown route with 404 not_found', async () => {
    const answer = await server.call('GET', '/api/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { code: 'not_found', details: {} } });
  });

  it('answers a campaign that does not exist with 404 campaign_not_found', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/campaigns/4242'],
      ['POST', '/api/v1/campaigns/4242/pause'],
      ['GET', '/api/v1/campaigns/4242/report'],
      ['GET', '/api/v1/campaigns/4242/report.csv'],
      ['GET', '/api/v1/campaigns/4242/preview'],
      ['DELETE', '/api/v1/campaigns/4242'],
    ] as const) {
      const answer = await server.call(method, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).toMatchObject({
        error: { code: 'campaign_not_found', details: { campaignId: 4242 } },
      });
    }
  });

  it('never shows a stack trace, even for an internal error', async () => {
    const broken = await startApiServer(db);
    try {
      // A query that fails inside PostgreSQL in a way no input explains: the table is gone for this session.
      await db.sql`alter table lists rename to lists_away`;
      const answer = await broken.call('GET', '/api/v1/lists');
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        error: { code: 'internal_error', message: 'internal error', details: {} },
      });
      expect(leaksNothing(answer.text)).toBe(true);
    } finally {
      await db.sql`alter table lists_away rename to lists`;
      await broken.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('is served at /api/v1/openapi.json and lists every route of the API', async () => {
    const answer = await server.call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/api/v1/openapi.json',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toMatch(/^3\./);
    const documented = Object.entries(answer.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = [
      'POST /api/v1/campaigns',
      'GET /api/v1/campaigns',
      'GET /api/v1/campaigns/{id}',
      'PUT /api/v1/campaigns/{id}',
      'DELETE /api/v1/campaigns/{id}',
      'POST /api/v1/campaigns/{id}/publish',
      'POST /api/v1/campaigns/{id}/pause',
      'POST /api/v1/campaigns/{id}/resume',
      'POST /api/v1/campaigns/{id}/cancel',
      'GET /api/v1/campaigns/{id}/preview',
      'POST /api/v1/campaigns/{id}/test-send',
      'GET /api/v1/campaigns/{id}/report',
      'GET /api/v1/campaigns/{id}/report.csv',
      'GET /api/v1/contacts',
      'POST /api/v1/contacts',
      'GET /api/v1/contacts/{id}',
      'PATCH /api/v1/contacts/{id}',
      'DELETE /api/v1/contacts/{id}',
      'POST /api/v1/contacts/{id}/opt-in',
      'POST /api/v1/contacts/{id}/opt-out',
      'POST /api/v1/contacts/import',
      'GET /api/v1/lists',
      'POST /api/v1/lists',
      'GET /api/v1/segments/count',
      'GET /api/v1/lists/{id}',
      'DELETE /api/v1/lists/{id}',
      'GET /api/v1/lists/{id}/members',
      'POST /api/v1/lists/{id}/members',
      'DELETE /api/v1/lists/{id}/members/{contactId}',
      'GET /api/v1/appointments',
      'POST /api/v1/appointments',
      'GET /api/v1/appointments/{id}',
      'PATCH /api/v1/appointments/{id}',
      'POST /api/v1/appointments/import',
      'GET /api/v1/imports',
      'GET /api/v1/imports/{id}',
      'DELETE /api/v1/imports/{id}',
      'GET /api/v1/imports/{id}/issues',
      'GET /api/v1/imports/{id}/rejects.csv',
      'GET /api/v1/openapi.json',
      'GET /healthz',
    ];
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('documents the bearer scheme, request bodies and the campaign format', async () => {
    const answer = await server.call<{
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>
      >;
    }>('GET', '/api/v1/openapi.json');
    expect(answer.body.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    const create = answer.body.paths['/api/v1/campaigns']?.post?.requestBody?.content;
    expect(Object.keys(create ?? {}).sort()).toEqual(['application/json', 'application/yaml']);
    expect(create?.['application/json']?.schema.properties).toHaveProperty('sendWindow');
    expect(answer.body.paths['/api/v1/contacts/import']?.post?.requestBody?.content).toHaveProperty(
      'text/csv',
    );
    expect(answer.text).not.toContain('webhooks');
  });

  it('with metrics and the dashboard served, documents /metrics but not the pages for people', async () => {
    const full = await startApiServer(db, { metrics: {}, dashboard: true });
    try {
      // With API_TOKEN set the engine listens beyond loopback: scrapes bear the token too.
      expect((await full.call('GET', '/metrics', { token: null })).status).toBe(401);
      const metrics = await full.call('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('broadcaster_');
      const home = await fetch(`${full.url}/`, { redirect: 'manual' });
      expect(home.status).not.toBe(404);
      const document = await full.call<{ paths: Record<string, unknown> }>('GET', '/api/v1/openapi.json');
      const paths = Object.keys(document.body.paths);
      expect(paths).toContain('/metrics');
      expect(paths.filter((path) => !path.startsWith('/api/v1/'))).toEqual(['/healthz', '/metrics']);
    } finally {
      await full.close();
    }
  });
});
