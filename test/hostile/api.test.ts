import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, leaksNothing, startApiServer } from '../http/apiServer.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { loadCorpus } from './corpus.js';

interface Case {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

interface Expected {
  status: number;
  code: string;
  messageIncludes: string;
}

const TABLES = ['campaigns', 'contacts', 'lists', 'list_members', 'appointments', 'deliveries'] as const;

describe('hostile HTTP API requests', () => {
  let db: TestDatabase;
  let server: ApiServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApiServer(db, { metrics: {}, dashboard: true });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(table)}`;
      counts[table] = row?.n ?? -1;
    }
    return counts;
  }

  const cases = loadCorpus<Expected>('api', ['.json']).map((entry) => ({
    ...entry,
    request: JSON.parse(entry.text) as Case,
  }));

  it('has a corpus to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)(
    'refuses $name with a clear error, stores nothing and stays up',
    async ({ request, expected }) => {
      const before = await rowCounts();
      const answer = await server.call<{ error: { code: string; message: string } }>(
        request.method,
        request.path,
        {
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(request.contentType ? { contentType: request.contentType } : {}),
        },
      );
      expect({ status: answer.status, error: answer.body?.error }).toMatchObject({
        status: expected.status,
        error: { code: expected.code, message: expect.stringContaining(expected.messageIncludes) },
      });
      expect(answer.body.error.message.length).toBeLessThan(4_000);
      expect(leaksNothing(answer.text)).toBe(true);
      expect(await rowCounts()).toEqual(before);
      expect((await server.call('GET', '/healthz')).status).toBe(200);
    },
  );

  it('answers 80,000 unknown keys with the first 20 problems and a count, in a short body', async () => {
    const body = JSON.stringify(
      Object.fromEntries([['name', 'vip'], ...Array.from({ length: 80_000 }, (_, i) => [`k${i}`, 1])]),
    );
    const before = await rowCounts();
    const answer = await server.call<{
      error: { code: string; message: string; details: { issues: unknown[]; moreIssues: number } };
    }>('POST', '/api/v1/lists', { body, contentType: 'application/json' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toHaveLength(20);
    expect(answer.body.error.details.moreIssues).toBe(79_980);
    expect(answer.body.error.message).toMatch(/^invalid body: k0: unknown field; .*; and 79980 more$/);
    expect(answer.text.length).toBeLessThan(10_000);
    expect(await rowCounts()).toEqual(before);
  });

  it('keeps the last of duplicate keys, as JSON does, and stores exactly that', async () => {
    const answer = await server.call<{ name: string }>('POST', '/api/v1/lists', {
      body: '{"name": "first", "name": "second"}',
      contentType: 'application/json',
    });
    expect(answer.status).toBe(201);
    const rows = await db.sql`select name from lists where name in ('first', 'second')`;
    expect(rows).toEqual([{ name: 'second' }]);
  });

  it('leaves Object.prototype untouched after every hostile body', () => {
    expect(({} as Record<string, unknown>).optedIn).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('API authentication', () => {
  let db: TestDatabase;
  let server: ApiServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Every route is tried with wrong tokens here; the limit on guesses has tests of its own.
    server = await startApiServer(db, {
      metrics: {},
      dashboard: true,
      authFailureLimit: { max: 1_000, windowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('answers 401 on every documented route but /healthz, without a token or with a wrong one', async () => {
    const document = await server.call<{ paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/api/v1/openapi.json',
    );
    expect(document.status).toBe(200);
    const routes = Object.entries(document.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(routes.length).toBeGreaterThan(30);
    const open: string[] = [];
    for (const { method, path } of routes) {
      const concrete = path.replace(/\{[^}]+\}/g, '1');
      for (const token of [null, 'wrong-token', '']) {
        const answer = await server.call(method, concrete, {
          token,
          ...(method === 'GET' || method === 'DELETE' ? {} : { json: {} }),
        });
        if (answer.status !== 401)
          open.push(`${method} ${path} (token ${JSON.stringify(token)}): ${answer.status}`);
      }
    }
    expect(open.sort()).toEqual(
      ['GET /healthz (token "")', 'GET /healthz (token "wrong-token")', 'GET /healthz (token null)'].map(
        (entry) => `${entry}: 200`,
      ),
    );
  });
});
