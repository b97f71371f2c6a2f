import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import { silentLogger } from '../../src/logger.js';
import { openMigratedDatabase } from '../../src/roles/engineDatabase.js';
import { createEmptyDatabase, createTestDatabase } from '../support/database.js';
import { withDatabase } from '../support/databaseUrls.js';
import { stopSequence } from './engineParts.js';

const cleanups = stopSequence();
afterEach(cleanups.runAll);

async function open(url: string, role = 'worker') {
  const sequence = stopSequence();
  const db: Database = await openMigratedDatabase(
    loadConfig({ DATABASE_URL: url }),
    role,
    silentLogger,
    sequence.addStop,
  );
  cleanups.addStop(sequence.runAll);
  return { db, sequence };
}

describe('openMigratedDatabase', () => {
  it('migrates an empty database before the first connection, so the schema is there', async () => {
    const empty = await createEmptyDatabase();
    cleanups.addStop(empty.drop);

    const { db } = await open(empty.url);

    const [row] =
      await db.sql`select count(*)::int as n from "_prisma_migrations" where finished_at is not null`;
    expect(row?.['n']).toBeGreaterThan(0);
    expect(await db.sql`select count(*)::int as n from deliveries`).toEqual([{ n: 0 }]);
  });

  it('opens an already migrated database as it is', async () => {
    const test = await createTestDatabase();
    cleanups.addStop(test.drop);
    await test.sql`insert into contacts (phone) values ('79990000001')`;

    const { db } = await open(test.url);

    expect(await db.sql`select phone from contacts`).toEqual([{ phone: '79990000001' }]);
  });

  it('names its pool after the role in pg_stat_activity', async () => {
    const test = await createTestDatabase();
    cleanups.addStop(test.drop);

    const { db } = await open(test.url, 'scheduler');

    const rows = await db.sql`select application_name from pg_stat_activity where pid = pg_backend_pid()`;
    expect(rows).toEqual([{ application_name: 'broadcaster-scheduler' }]);
  });

  it('adds the stops that close it to the stop sequence', async () => {
    const test = await createTestDatabase();
    cleanups.addStop(test.drop);
    const { db, sequence } = await open(test.url);
    expect(sequence.stops).toHaveLength(2);

    await sequence.runAll();

    await expect(db.sql`select 1`).rejects.toThrow();
  });

  it('refuses a database that is not there, leaving no pool behind to close', async () => {
    const test = await createTestDatabase();
    cleanups.addStop(test.drop);
    const sequence = stopSequence();
    const missing = withDatabase(test.url, 'broadcaster_no_such_database');

    await expect(
      openMigratedDatabase(loadConfig({ DATABASE_URL: missing }), 'api', silentLogger, sequence.addStop),
    ).rejects.toThrow(/broadcaster_no_such_database/);
    expect(sequence.stops).toHaveLength(1);
    await sequence.runAll();
  });
});
