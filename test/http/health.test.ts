import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { connectDatabase } from '../../src/db/database.js';
import { registerHealth } from '../../src/http/health.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/freePort.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function serve(register: (app: FastifyInstance) => void) {
  const app = Fastify();
  register(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

describe('GET /healthz', () => {
  it('answers ok with the engine clock’s time while the database answers', async () => {
    const clock = new ManualClock('2026-11-27T07:00:00.000Z');
    const { app, url } = await serve((a) => registerHealth(a, { sql: db.sql, clock }));
    try {
      const first = await fetch(`${url}/healthz`);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ status: 'ok', time: '2026-11-27T07:00:00.000Z' });
      clock.advance(90_000);
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({
        time: '2026-11-27T07:01:30.000Z',
      });
    } finally {
      await app.close();
    }
  });

  it('answers 503 database_unavailable, without the cause, when the database does not answer', async () => {
    const port = await freePort();
    const dead = connectDatabase(`postgres://nobody:pw@127.0.0.1:${port}/none`, { max: 1 });
    const clock = new ManualClock('2026-11-27T07:00:00.000Z');
    const { app, url } = await serve((a) => registerHealth(a, { sql: dead.sql, clock }));
    try {
      const answer = await fetch(`${url}/healthz`);
      const text = await answer.text();
      expect(answer.status).toBe(503);
      expect(JSON.parse(text)).toEqual({
        error: { code: 'database_unavailable', message: 'the database does not answer', details: {} },
      });
      expect(text).not.toContain(String(port));
    } finally {
      await app.close();
      await dead.close();
    }
  });

  it('answers only GET', async () => {
    const clock = new ManualClock('2026-11-27T07:00:00.000Z');
    const { app, url } = await serve((a) => registerHealth(a, { sql: db.sql, clock }));
    try {
      expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
