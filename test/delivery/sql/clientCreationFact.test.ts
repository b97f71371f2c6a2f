import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readClientCreationFact,
  rememberClientCreation,
} from '../../../src/delivery/sql/clientCreationFact.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('client creation fact', () => {
  it('is null before POST /v1/clients has ever answered', async () => {
    expect(await readClientCreationFact(db.sql)).toBeNull();
  });

  it('remembers the last answer and when it was learnt, one row for the account', async () => {
    await rememberClientCreation(db.sql, false, START);
    expect(await readClientCreationFact(db.sql)).toEqual({ allowed: false, learntAt: START });

    const later = new Date(START.getTime() + 60_000);
    await rememberClientCreation(db.sql, true, later);
    expect(await readClientCreationFact(db.sql)).toEqual({ allowed: true, learntAt: later });
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from chat2desk_account_facts`;
    expect(row!.n).toBe(1);
  });

  it('takes the latest call as the truth, even one stamped earlier', async () => {
    await rememberClientCreation(db.sql, false, START);
    expect(await readClientCreationFact(db.sql)).toEqual({ allowed: false, learntAt: START });
  });
});
