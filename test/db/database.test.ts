import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { connectDatabase, reconnectBackoffSeconds, resolveDatabaseServer } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('reconnectBackoffSeconds', () => {
  it('waits a few milliseconds after the first failure and grows with each attempt', () => {
    for (let i = 0; i < 200; i++) {
      const first = reconnectBackoffSeconds(0);
      expect(first).toBeGreaterThanOrEqual(0.005);
      expect(first).toBeLessThanOrEqual(0.01);
      const third = reconnectBackoffSeconds(3);
      expect(third).toBeGreaterThanOrEqual(0.135);
      expect(third).toBeLessThanOrEqual(0.27);
    }
  });

  it('never waits more than 2 s however many attempts failed', () => {
    for (const retries of [5, 6, 10, 50, 1_000]) {
      for (let i = 0; i < 50; i++) {
        const seconds = reconnectBackoffSeconds(retries);
        expect(seconds).toBeGreaterThanOrEqual(1);
        expect(seconds).toBeLessThanOrEqual(2);
      }
    }
  });

  it('jitters, so a fleet does not reconnect in lockstep', () => {
    const waits = new Set(Array.from({ length: 20 }, () => reconnectBackoffSeconds(10)));

    expect(waits.size).toBeGreaterThan(1);
  });
});

describe('connectDatabase', () => {
  it('opens postgres.js and Prisma on the same database, both named after the application', async () => {
    const database = connectDatabase(db.url, { max: 2, applicationName: 'database-test' });
    try {
      const [fromSql] = await database.sql<{ db: string; app: string }[]>`
        select current_database() as db, current_setting('application_name') as app`;
      const [fromPrisma] = await database.prisma.$queryRaw<{ db: string; app: string }[]>`
        select current_database() as db, current_setting('application_name') as app`;

      expect(fromSql).toEqual({ db: db.name, app: 'database-test' });
      expect(fromPrisma).toEqual({ db: db.name, app: 'database-test' });
    } finally {
      await database.close();
    }
  });

  it('names its connections "broadcaster" unless told otherwise', async () => {
    const database = connectDatabase(db.url);
    try {
      const [row] = await database.sql<{ app: string }[]>`select current_setting('application_name') as app`;
      expect(row!.app).toBe('broadcaster');
      expect(database.url).toBe(db.url);
    } finally {
      await database.close();
    }
  });

  it('closes both pools: no query goes through afterwards', async () => {
    const database = connectDatabase(db.url, { max: 1 });
    await database.sql`select 1`;
    await database.prisma.$queryRaw`select 1`;

    await database.close();

    await expect(database.sql`select 1`).rejects.toMatchObject({ code: 'CONNECTION_ENDED' });
    expect(await sessionsLeft('broadcaster')).toBe(0);
  });
});

/** Sessions of an application still in the test database; a closed one may take a moment to go. */
async function sessionsLeft(applicationName: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = ${db.name} and application_name = ${applicationName}`;
    if (row!.n === 0 || attempt >= 50) return row!.n;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('resolveDatabaseServer', () => {
  it('uses DATABASE_URL when it is set, and has nothing to stop', async () => {
    const config = loadConfig({ DATABASE_URL: db.url, PORT: '0' });

    const server = await resolveDatabaseServer(config);

    expect(server.url).toBe(db.url);
    await server.stop();
    const [row] = await db.sql<{ one: number }[]>`select 1 as one`;
    expect(row!.one).toBe(1);
  });
});
