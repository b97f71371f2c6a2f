import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CommandContext, createContext } from '../../src/cli/context.js';
import { openDatabase } from '../../src/cli/database.js';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/freePort.js';

let test: TestDatabase;
const drops: Array<() => Promise<void>> = [];
const cleanups: Array<() => Promise<void>> = [];
let rejectionListeners: Set<unknown>;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  while (drops.length) await drops.pop()!();
  for (const listener of process.listeners('unhandledRejection')) {
    if (!rejectionListeners.has(listener)) process.off('unhandledRejection', listener);
  }
});

function commandContext(databaseUrl: string): CommandContext {
  rejectionListeners ??= new Set(process.listeners('unhandledRejection'));
  const { context, runCleanups } = createContext('warn', { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  cleanups.push(runCleanups);
  return context;
}

describe('openDatabase', () => {
  it('migrates a database that has no tables yet, so a first command finds them', async () => {
    const empty = await createEmptyDatabase();
    drops.push(empty.drop);

    const db = await openDatabase(commandContext(empty.url));

    const [row] = await db.sql<{ count: number }[]>`select count(*)::int as count from contacts`;
    expect(row!.count).toBe(0);
  });

  it('connects to the configured database as it is, keeping its rows', async () => {
    await test.sql`insert into contacts (phone) values ('79160000001')`;

    const db = await openDatabase(commandContext(test.url));

    const rows = await db.sql<{ phone: string }[]>`select phone from contacts`;
    expect(rows.map((r) => r.phone)).toEqual(['79160000001']);
    expect(db.url).toBe(test.url);
  });

  it('closes its connections when the command ends', async () => {
    const ctx = commandContext(test.url);
    const db = await openDatabase(ctx);

    await cleanups.pop()!();

    await expect(db.sql`select 1`).rejects.toThrow();
  });

  it('fails when the database cannot be reached', async () => {
    const port = await freePort();

    await expect(openDatabase(commandContext(`postgres://u@127.0.0.1:${port}/x`))).rejects.toThrow(
      /ECONNREFUSED|connect/,
    );
  });
});
