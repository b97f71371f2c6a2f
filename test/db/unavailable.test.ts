import { PrismaPg } from '@prisma/adapter-pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../src/db/database.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/freePort.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const failure = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('isDatabaseUnavailable', () => {
  it('is true when nothing listens where the database should be', async () => {
    const sql = postgres(`postgres://postgres@127.0.0.1:${await freePort()}/none`, { max: 1 });
    const error = await failure(sql`select 1`);
    await sql.end({ timeout: 1 });

    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('is true when the server ends the session under a running query (a restart, a failover)', async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const pid = row!.pid;
      const sleeping = failure(sql`select pg_sleep(30)`);
      for (;;) {
        const [row] = await db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where pid = ${pid} and state = 'active'`;
        if (row!.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await db.sql`select pg_terminate_backend(${pid})`;

      const error = await sleeping;

      // postgres.js says 57P01 (admin_shutdown) or CONNECTION_CLOSED, whichever it reads first.
      expect(['57P01', 'CONNECTION_CLOSED']).toContain((error as { code?: string }).code);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('is true for a query on a pool that was closed', async () => {
    const sql = postgres(db.url, { max: 1 });
    await sql.end();

    const error = await failure(sql`select 1`);

    expect(error).toMatchObject({ code: 'CONNECTION_ENDED' });
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('is true when Prisma cannot reach the server', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      const error = await failure(prisma.contactList.findMany());

      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('is false for a query PostgreSQL refused: trying it again would fail the same way', async () => {
    const syntax = await failure(db.sql`selec 1`);
    const missing = await failure(db.sql`select * from no_such_table`);
    await db.sql`insert into lists (name) values ('once')`;
    const taken = await failure(db.sql`insert into lists (name) values ('once')`);

    for (const error of [syntax, missing, taken]) {
      expect(error).toHaveProperty('code');
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });

  it('reads the SQLSTATE classes of connection failures and shutdowns, and Node’s socket errors', () => {
    for (const code of [
      '08006',
      '08001',
      '57P01',
      '57P02',
      '57P03',
      '57P04',
      'ECONNRESET',
      'EPIPE',
      'P1001',
      'P1017',
    ])
      expect(isDatabaseUnavailable({ code }), code).toBe(true);
    for (const code of ['57014', '40001', '23505', 'P2002', 'ENOENT'])
      expect(isDatabaseUnavailable({ code }), code).toBe(false);
  });

  it('is false for anything without a string code', () => {
    for (const value of [undefined, null, 'ECONNREFUSED', 42, new Error('ECONNREFUSED'), { code: 8006 }])
      expect(isDatabaseUnavailable(value)).toBe(false);
  });
});
