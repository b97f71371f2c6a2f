import { afterEach, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/database.js';
import { directorySyncHoldsUntil, requestClientDirectorySync } from '../../src/delivery/clientDirectory.js';
import { DIRECTORY_SYNC_STALE_MS } from '../../src/delivery/clientDirectorySync.js';
import { readClientDirectory, requestClientDirectory } from '../../src/delivery/sql/clientDirectory.js';
import {
  createEngineHarness,
  type EngineHarness,
  seedContacts,
  startBroadcast,
} from '../support/engineHarness.js';

const SECOND = 1_000;
const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

let nextPhone = 79100000000;

/** `count` contacts in `list`, none with a Chat2Desk client id unless `clientId` says so. */
async function addToList(
  sql: Sql,
  list: string,
  count: number,
  options: { optedOut?: boolean; clientId?: boolean; createdAt?: Date } = {},
): Promise<void> {
  const first = nextPhone;
  nextPhone += count;
  await sql`insert into lists (name) values (${list}) on conflict do nothing`;
  await sql`
    with added as (
      insert into contacts (phone, opted_out_at, chat2desk_client_id, created_at)
      select (${first}::bigint + i)::text,
        case when ${options.optedOut ?? false} then now() else null end,
        case when ${options.clientId ?? false} then ${first}::bigint + i else null end,
        coalesce(${options.createdAt ?? null}::timestamptz, now())
      from generate_series(1, ${count}) i
      returning id)
    insert into list_members (list_id, contact_id) select l.id, a.id from added a, lists l where l.name = ${list}`;
}

/** A run of a broadcast to `list` (one contact in it, who has a client id): the run to ask for. */
async function runTo(harness: EngineHarness, list: string): Promise<number> {
  await seedContacts(harness.db.sql, { count: 1, list });
  await harness.db.sql`update contacts set chat2desk_client_id = 1`;
  const campaignId = await startBroadcast(harness, { transport: 'whatsapp', list });
  const [run] = await harness.db.sql<{ id: number }[]>`
    select id from campaign_runs where campaign_id = ${campaignId}`;
  return run!.id;
}

describe('requestClientDirectorySync', () => {
  it('asks for a sync from a page’s worth (200) of contacts without a client id, not below', async () => {
    h = await createEngineHarness();
    const runId = await runTo(h, 'audience');
    await addToList(h.db.sql, 'audience', 199);
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(false);
    expect(await readClientDirectory(h.db.sql)).toBeNull();

    await addToList(h.db.sql, 'audience', 1);
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(true);
    expect(await readClientDirectory(h.db.sql)).toMatchObject({
      status: 'requested',
      wanted: 200,
      requestedAt: h.clock.now(),
    });
  });

  it('counts neither opted-out contacts, nor those with a client id, nor those outside the run’s list', async () => {
    h = await createEngineHarness();
    const runId = await runTo(h, 'audience');
    await addToList(h.db.sql, 'audience', 199);
    await addToList(h.db.sql, 'audience', 50, { optedOut: true });
    await addToList(h.db.sql, 'audience', 50, { clientId: true });
    await addToList(h.db.sql, 'elsewhere', 500);
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(false);
    expect(await readClientDirectory(h.db.sql)).toBeNull();
  });

  it('does not count again the contacts the last sync looked for', async () => {
    h = await createEngineHarness();
    const runId = await runTo(h, 'audience');
    const lastStarted = new Date(h.clock.now().getTime() - 10 * MINUTE);
    await h.db.sql`
      insert into chat2desk_client_directory (status, last_started_at, last_finished_at, last_outcome)
      values ('idle', ${lastStarted}, ${lastStarted}, 'complete')`;
    await addToList(h.db.sql, 'audience', 300, { createdAt: new Date(lastStarted.getTime() - 1) });
    await addToList(h.db.sql, 'audience', 199, { createdAt: lastStarted });
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(false);

    await addToList(h.db.sql, 'audience', 1, { createdAt: lastStarted });
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(true);
    expect(await readClientDirectory(h.db.sql)).toMatchObject({ status: 'requested', wanted: 200 });
  });

  it('does not ask when the directory, as far as its size is known, costs more pages than contacts want it', async () => {
    h = await createEngineHarness();
    const runId = await runTo(h, 'audience');
    await addToList(h.db.sql, 'audience', 200);
    // 40,001 clients: 201 pages for 200 contacts.
    await h.db.sql`insert into chat2desk_client_directory (status, total) values ('idle', 40001)`;
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(false);
    expect((await readClientDirectory(h.db.sql))?.status).toBe('idle');

    // 40,000 clients: 200 pages, as many as the contacts.
    await h.db.sql`update chat2desk_client_directory set total = 40000`;
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(true);
    expect((await readClientDirectory(h.db.sql))?.status).toBe('requested');
  });

  it('adds its contacts to a sync requested already, and asks nothing while one is under way', async () => {
    h = await createEngineHarness();
    const runId = await runTo(h, 'audience');
    await addToList(h.db.sql, 'audience', 250);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 300 });
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(true);
    expect((await readClientDirectory(h.db.sql))?.wanted).toBe(550);

    await h.db.sql`update chat2desk_client_directory set status = 'syncing', owner = 'someone'`;
    expect(await requestClientDirectorySync(h.db.sql, { runId, now: h.clock.now() })).toBe(false);
    expect(await readClientDirectory(h.db.sql)).toMatchObject({ status: 'syncing', wanted: 550 });
  });

  it('does not ask for a run that does not exist', async () => {
    h = await createEngineHarness();
    await addToList(h.db.sql, 'audience', 300);
    expect(await requestClientDirectorySync(h.db.sql, { runId: 987_654, now: h.clock.now() })).toBe(false);
    expect(await readClientDirectory(h.db.sql)).toBeNull();
  });
});

describe('directorySyncHoldsUntil', () => {
  const NOW = new Date('2026-11-27T07:00:00.000Z');
  const at = (ms: number) => new Date(NOW.getTime() + ms);

  async function directoryRow(sql: Sql, row: Record<string, unknown>): Promise<void> {
    await sql`delete from chat2desk_client_directory`;
    await sql`insert into chat2desk_client_directory ${sql(row)}`;
  }

  it('holds nobody without a directory row, or while it is idle', async () => {
    h = await createEngineHarness();
    expect(await directorySyncHoldsUntil(h.db.sql, NOW)).toBeNull();
    await directoryRow(h.db.sql, { status: 'idle', total: 1000 });
    expect(await directorySyncHoldsUntil(h.db.sql, NOW)).toBeNull();
  });

  it('holds 15 s for a fresh request, and nobody once the request is 10 minutes old', async () => {
    h = await createEngineHarness();
    await directoryRow(h.db.sql, { status: 'requested', requested_at: NOW, wanted: 300 });
    expect(await directorySyncHoldsUntil(h.db.sql, NOW)).toEqual(at(15 * SECOND));
    const later = at(10 * MINUTE - 1);
    expect(await directorySyncHoldsUntil(h.db.sql, later)).toEqual(new Date(later.getTime() + 15 * SECOND));
    expect(await directorySyncHoldsUntil(h.db.sql, at(10 * MINUTE))).toBeNull();
  });

  it('holds until a live sync’s expected end, kept between 2 s and 10 minutes', async () => {
    h = await createEngineHarness();
    const syncing = { status: 'syncing', owner: 'w', started_at: NOW, heartbeat_at: NOW };
    await directoryRow(h.db.sql, { ...syncing, expected_done_at: at(30 * SECOND) });
    expect(await directorySyncHoldsUntil(h.db.sql, NOW)).toEqual(at(30 * SECOND));
    await directoryRow(h.db.sql, { ...syncing, expected_done_at: at(SECOND) });
    expect(await directorySyncHoldsUntil(h.db.sql, NOW)).toEqual(at(2 * SECOND));
    await directoryRow(h.db.sql, { ...syncing, expected_done_at: at(60 * MINUTE) });
    expect(await directorySyncHoldsUntil(h.db.sql, NOW)).toEqual(at(10 * MINUTE));
    await directoryRow(h.db.sql, syncing);
    expect(await directorySyncHoldsUntil(h.db.sql, NOW)).toEqual(at(15 * SECOND));
  });

  it('holds nobody for a sync whose owner stopped beating', async () => {
    h = await createEngineHarness();
    await directoryRow(h.db.sql, {
      status: 'syncing',
      owner: 'w',
      started_at: NOW,
      heartbeat_at: NOW,
      expected_done_at: at(5 * MINUTE),
    });
    const stillLive = at(DIRECTORY_SYNC_STALE_MS - 1);
    expect(await directorySyncHoldsUntil(h.db.sql, stillLive)).toEqual(at(5 * MINUTE));
    expect(await directorySyncHoldsUntil(h.db.sql, at(DIRECTORY_SYNC_STALE_MS))).toBeNull();
  });
});
