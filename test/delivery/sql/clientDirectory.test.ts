import { afterEach, describe, expect, it } from 'vitest';
import {
  claimClientDirectory,
  finishClientDirectory,
  handOverClientDirectory,
  readClientDirectory,
  recordDirectoryPage,
  requestClientDirectory,
} from '../../../src/delivery/sql/clientDirectory.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';
import { seedContact } from '../../support/seedDeliveries.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const at = (ms: number) => new Date(START.getTime() + ms);
/** A claim at `now` that takes over syncs whose owner has not beaten for a minute. */
const claimAt = (sql: TestDatabase['sql'], owner: string, now: Date) =>
  claimClientDirectory(sql, { owner, now, staleBefore: new Date(now.getTime() - 60_000) });
const page = (owner: string, now: Date, clients: { id: number; phone: string }[], nextOffset: number) => ({
  owner,
  now,
  clients,
  nextOffset,
  total: 400,
  expectedDoneAt: at(600_000),
});

describe('the client directory row', () => {
  it('does not exist until a sync is first asked for', async () => {
    db = await createTestDatabase();
    expect(await readClientDirectory(db.sql)).toBeNull();
    expect(await claimAt(db.sql, 'w1', START)).toBeNull();
  });

  it('adds up what is wanted while requested, and refuses a request while a sync is under way', async () => {
    db = await createTestDatabase();
    expect(await requestClientDirectory(db.sql, { now: START, wanted: 300 })).toBe(true);
    expect(await requestClientDirectory(db.sql, { now: at(1_000), wanted: 50 })).toBe(true);
    expect(await readClientDirectory(db.sql)).toMatchObject({
      status: 'requested',
      requestedAt: at(1_000),
      wanted: 350,
    });

    await claimAt(db.sql, 'w1', at(2_000));
    expect(await requestClientDirectory(db.sql, { now: at(3_000), wanted: 10 })).toBe(false);
    expect(await readClientDirectory(db.sql)).toMatchObject({ status: 'syncing', wanted: 350 });
  });

  it('starts a requested sync afresh for its owner, and only one owner takes it', async () => {
    db = await createTestDatabase();
    await requestClientDirectory(db.sql, { now: START, wanted: 5 });

    const claimed = await claimAt(db.sql, 'w1', at(1_000));
    expect(claimed).toMatchObject({
      status: 'syncing',
      owner: 'w1',
      startedAt: at(1_000),
      heartbeatAt: at(1_000),
      nextOffset: 0,
      pages: 0,
      learnt: 0,
    });
    expect(await claimAt(db.sql, 'w2', at(2_000))).toBeNull();
  });

  it('learns client ids of contacts that have none, page by page, for the owner only', async () => {
    db = await createTestDatabase();
    const unknown = await seedContact(db.sql, '79000000001');
    await seedContact(db.sql, '79000000002', { chat2deskClientId: 555 });
    await requestClientDirectory(db.sql, { now: START, wanted: 2 });
    await claimAt(db.sql, 'w1', START);
    const clients = [
      { id: 101, phone: '79000000001' },
      { id: 102, phone: '79000000002' },
      { id: 103, phone: '79000000003' }, // no such contact
    ];

    expect(await recordDirectoryPage(db.sql, page('w2', at(1_000), clients, 200))).toBeNull();
    expect(await recordDirectoryPage(db.sql, page('w1', at(1_000), clients, 200))).toEqual({ learnt: 1 });

    const contacts = await db.sql`select id, chat2desk_client_id::text as client from contacts order by id`;
    expect(contacts).toEqual([
      { id: unknown, client: '101' },
      { id: unknown + 1, client: '555' },
    ]);
    expect(await readClientDirectory(db.sql)).toMatchObject({
      nextOffset: 200,
      pages: 1,
      learnt: 1,
      total: 400,
      heartbeatAt: at(1_000),
      expectedDoneAt: at(600_000),
    });
    expect(await recordDirectoryPage(db.sql, page('w1', at(2_000), [], 400))).toEqual({ learnt: 0 });
    expect(await readClientDirectory(db.sql)).toMatchObject({ nextOffset: 400, pages: 2, learnt: 1 });
  });

  it('lets another owner resume a sync whose owner stopped beating at its next page', async () => {
    db = await createTestDatabase();
    await requestClientDirectory(db.sql, { now: START, wanted: 2 });
    await claimAt(db.sql, 'w1', START);
    await recordDirectoryPage(db.sql, page('w1', START, [], 200));

    // Exactly a minute without a beat is not yet stale.
    expect(await claimAt(db.sql, 'w2', at(60_000))).toBeNull();
    const resumed = await claimAt(db.sql, 'w2', at(60_001));
    expect(resumed).toMatchObject({ owner: 'w2', startedAt: START, nextOffset: 200, pages: 1 });
    expect(await recordDirectoryPage(db.sql, page('w1', at(60_002), [], 400))).toBeNull();
  });

  it('hands a stopping owner’s sync over at once', async () => {
    db = await createTestDatabase();
    await requestClientDirectory(db.sql, { now: START, wanted: 2 });
    await claimAt(db.sql, 'w1', START);
    await handOverClientDirectory(db.sql, 'w2'); // not its sync: nothing happens
    expect(await claimAt(db.sql, 'w2', at(1))).toBeNull();

    await handOverClientDirectory(db.sql, 'w1');
    expect(await claimAt(db.sql, 'w2', at(2))).toMatchObject({ owner: 'w2' });
  });

  it('finishes for its owner only, keeping the outcome and times of the last sync', async () => {
    db = await createTestDatabase();
    await requestClientDirectory(db.sql, { now: START, wanted: 2 });
    await claimAt(db.sql, 'w1', at(1_000));

    expect(await finishClientDirectory(db.sql, { owner: 'w2', now: at(5_000), outcome: 'complete' })).toBe(
      false,
    );
    expect(await finishClientDirectory(db.sql, { owner: 'w1', now: at(5_000), outcome: 'complete' })).toBe(
      true,
    );
    expect(await readClientDirectory(db.sql)).toMatchObject({
      status: 'idle',
      owner: null,
      heartbeatAt: null,
      expectedDoneAt: null,
      lastStartedAt: at(1_000),
      lastFinishedAt: at(5_000),
      lastOutcome: 'complete',
    });
    expect(await finishClientDirectory(db.sql, { owner: 'w1', now: at(6_000), outcome: 'complete' })).toBe(
      false,
    );
    // Idle again: a new request starts counting what is wanted afresh.
    expect(await requestClientDirectory(db.sql, { now: at(7_000), wanted: 9 })).toBe(true);
    expect(await readClientDirectory(db.sql)).toMatchObject({ status: 'requested', wanted: 9 });
  });
});
