import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import type { Sql } from '../../src/db/database.js';
import { ClientDirectorySync, DIRECTORY_SYNC_STALE_MS } from '../../src/delivery/clientDirectorySync.js';
import { monthOf } from '../../src/delivery/quotaGuard.js';
import { readClientDirectory, requestClientDirectory } from '../../src/delivery/sql/clientDirectory.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';

type Worker = Awaited<ReturnType<EngineHarness['addWorker']>>;

let h: EngineHarness | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await h?.close();
  h = undefined;
});

function syncerFor(harness: EngineHarness, worker: Worker, client = worker.client, owner?: string) {
  return new ClientDirectorySync({
    sql: worker.sql,
    client,
    gate: worker.gate,
    clock: harness.clock,
    phoneRegion: 'RU',
    retryBaseMs: 1,
    ...(owner ? { owner } : {}),
  });
}

/**
 * `count` clients in the sandbox's directory, phones 79000000001…, in the order GET /v1/clients lists
 * them; returns the Chat2Desk id of the n-th (from 1), as the contacts table shows it.
 */
function directoryOf(harness: EngineHarness, count: number): (n: number) => string {
  const ids: number[] = [];
  for (let i = 1; i <= count; i++)
    ids.push(harness.sandbox.state.addClient({ phone: String(79000000000 + i) }).id);
  return (n) => String(ids[n - 1]);
}

async function addContacts(sql: Sql, phones: readonly string[]): Promise<void> {
  await sql`insert into contacts (phone) select unnest(${phones as string[]}::text[])`;
}

async function clientIdsByPhone(sql: Sql): Promise<Record<string, string | null>> {
  const rows = await sql<{ phone: string; id: string | null }[]>`
    select phone, chat2desk_client_id::text as id from contacts order by phone`;
  return Object.fromEntries(rows.map((r) => [r.phone, r.id]));
}

/** A Chat2Desk client aimed at a stand-in server instead of the sandbox; closed after the test. */
function clientAt(url: string): Chat2DeskClient {
  const client = new Chat2DeskClient({ baseUrl: url, token: 'stand-in-token', timeoutMs: 2_000 });
  cleanups.push(() => client.close());
  return client;
}

/**
 * A real HTTP server standing in for Chat2Desk's GET /v1/clients: records each request's offset and
 * answers with what `pageAt` gives for it (after whatever it does first).
 */
async function startDirectoryStandIn(pageAt: (offset: number) => Promise<unknown>) {
  const offsets: number[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const offset = Number(url.searchParams.get('offset') ?? 0);
    offsets.push(offset);
    void pageAt(offset).then((body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const client = clientAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return { client, offsets };
}

describe('ClientDirectorySync.syncOnce', () => {
  it('does nothing, and asks Chat2Desk nothing, when no sync was requested', async () => {
    h = await createEngineHarness();
    directoryOf(h, 10);
    const worker = await h.addWorker();
    expect(await syncerFor(h, worker).syncOnce()).toBeNull();
    expect(worker.client.requestCounts()['GET /v1/clients'] ?? 0).toBe(0);
    expect(await readClientDirectory(h.db.sql)).toBeNull();
  });

  it('pages through the whole directory, 200 a page, and gives each contact found its client id', async () => {
    h = await createEngineHarness();
    const idOf = directoryOf(h, 450);
    // Contacts for the 1st, the 250th and the 450th client, and one Chat2Desk does not know.
    await addContacts(h.db.sql, ['79000000001', '79000000250', '79000000450', '79990000000']);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 10 });
    const worker = await h.addWorker();

    const outcome = await syncerFor(h, worker).syncOnce();

    expect(outcome).toEqual({ outcome: 'complete', pages: 3, learnt: 3, total: 450 });
    expect(worker.client.requestCounts()['GET /v1/clients']).toBe(3);
    expect(await clientIdsByPhone(h.db.sql)).toEqual({
      '79000000001': idOf(1),
      '79000000250': idOf(250),
      '79000000450': idOf(450),
      '79990000000': null,
    });
    expect(await readClientDirectory(h.db.sql)).toMatchObject({
      status: 'idle',
      owner: null,
      lastOutcome: 'complete',
      nextOffset: 450,
      pages: 3,
      learnt: 3,
      total: 450,
      lastFinishedAt: h.clock.now(),
    });
  });

  it("reads Chat2Desk's phone formats as the contacts table keeps them, and leaves out clients without a usable phone", async () => {
    h = await createEngineHarness();
    const bracketed = h.sandbox.state.addClient({ phone: '+7 (916) 123-45-67' });
    const trunk = h.sandbox.state.addClient({ phone: '89161234568' });
    h.sandbox.state.addClient({ externalId: 'telegram-only' });
    h.sandbox.state.addClient({ phone: 'not a phone' });
    await addContacts(h.db.sql, ['79161234567', '79161234568']);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 1 });
    const worker = await h.addWorker();

    expect(await syncerFor(h, worker).syncOnce()).toEqual({
      outcome: 'complete',
      pages: 1,
      learnt: 2,
      total: 4,
    });
    expect(await clientIdsByPhone(h.db.sql)).toEqual({
      '79161234567': String(bracketed.id),
      '79161234568': String(trunk.id),
    });
  });

  it('keeps the client id a contact has already', async () => {
    h = await createEngineHarness();
    directoryOf(h, 3);
    await h.db.sql`insert into contacts (phone, chat2desk_client_id) values ('79000000002', 9999)`;
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 1 });
    const worker = await h.addWorker();
    expect(await syncerFor(h, worker).syncOnce()).toMatchObject({ outcome: 'complete', learnt: 0 });
    expect(await clientIdsByPhone(h.db.sql)).toEqual({ '79000000002': '9999' });
  });

  it('stops after the first page when the directory has more pages than contacts want it', async () => {
    h = await createEngineHarness();
    const idOf = directoryOf(h, 401);
    await addContacts(h.db.sql, ['79000000001', '79000000300']);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 2 });
    const worker = await h.addWorker();

    const outcome = await syncerFor(h, worker).syncOnce();

    // 401 clients are 3 pages, more than the 2 contacts waiting: one by one is cheaper.
    expect(outcome).toMatchObject({ outcome: 'not_worth', pages: 1, learnt: 1, total: 401 });
    expect(worker.client.requestCounts()['GET /v1/clients']).toBe(1);
    // The page read is not wasted: the contact on it learnt its id; the one further on did not.
    expect(await clientIdsByPhone(h.db.sql)).toEqual({ '79000000001': idOf(1), '79000000300': null });
    // The directory's size is kept, so later runs know whether asking again is worth it.
    expect(await readClientDirectory(h.db.sql)).toMatchObject({
      status: 'idle',
      lastOutcome: 'not_worth',
      total: 401,
    });
  });

  it('goes on when the pages are exactly as many as the contacts that want them', async () => {
    h = await createEngineHarness();
    directoryOf(h, 400);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 2 });
    const worker = await h.addWorker();
    expect(await syncerFor(h, worker).syncOnce()).toMatchObject({
      outcome: 'complete',
      pages: 2,
      total: 400,
    });
  });

  it('stops when Chat2Desk answers every offset with the same page', async () => {
    h = await createEngineHarness();
    // Offset ignored: every request gets the first 200 of 1,000 clients.
    const page = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, phone: String(79000000001 + i) }));
    const standIn = await startDirectoryStandIn(async () => ({
      status: 'success',
      data: page,
      meta: { total: 1_000, limit: 200, offset: 0 },
    }));
    await addContacts(h.db.sql, ['79000000001']);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 10 });
    const worker = await h.addWorker();

    const outcome = await syncerFor(h, worker, standIn.client).syncOnce();

    expect(outcome).toEqual({ outcome: 'offset_ignored', pages: 1, learnt: 1, total: 1_000 });
    expect(standIn.offsets).toEqual([0, 200]);
    expect(await readClientDirectory(h.db.sql)).toMatchObject({
      status: 'idle',
      lastOutcome: 'offset_ignored',
    });
  });

  it('stops at the monthly quota, keeping what the pages read so far taught', async () => {
    h = await createEngineHarness();
    const idOf = directoryOf(h, 600);
    await addContacts(h.db.sql, ['79000000001', '79000000201']);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 10 });
    // Quota 100, margin 20: 80 may be spent; 79 are, so one page more goes out.
    const worker = await h.addWorker({ monthlyQuota: 100 });
    await h.db.sql`update api_usage set requests_counted = 79 where month = ${monthOf(h.clock.now())}::date`;

    const outcome = await syncerFor(h, worker).syncOnce();

    expect(outcome).toEqual({ outcome: 'quota', pages: 1, learnt: 1, total: 600 });
    expect(worker.client.requestCounts()['GET /v1/clients']).toBe(1);
    expect(await clientIdsByPhone(h.db.sql)).toEqual({ '79000000001': idOf(1), '79000000201': null });
    expect(await readClientDirectory(h.db.sql)).toMatchObject({ status: 'idle', lastOutcome: 'quota' });
  });

  it('stops with the error code once a failing page has been asked four times', async () => {
    h = await createEngineHarness();
    directoryOf(h, 10);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 1 });
    const worker = await h.addWorker();
    h.sandbox.setFaults({ serverErrorRate: 1 });

    const outcome = await syncerFor(h, worker).syncOnce();

    expect(outcome).toEqual({
      outcome: 'chat2desk:chat2desk_server_error',
      pages: 0,
      learnt: 0,
      total: null,
    });
    expect(worker.client.requestCounts()['GET /v1/clients']).toBe(4);
    expect(await readClientDirectory(h.db.sql)).toMatchObject({
      status: 'idle',
      lastOutcome: 'chat2desk:chat2desk_server_error',
    });
  });

  it('hands the sync over, without finishing it, when another instance took it while a page was read', async () => {
    h = await createEngineHarness();
    await addContacts(h.db.sql, ['79000000001']);
    await requestClientDirectory(h.db.sql, { now: h.clock.now(), wanted: 10 });
    const db = h.db.sql;
    // While the page is read, another instance takes the sync over (as it would a stale one).
    const standIn = await startDirectoryStandIn(async () => {
      await db`update chat2desk_client_directory set owner = 'the-other-instance'`;
      return {
        status: 'success',
        data: [{ id: 1, phone: '79000000001' }],
        meta: { total: 1, limit: 200, offset: 0 },
      };
    });
    const worker = await h.addWorker();

    const outcome = await syncerFor(h, worker, standIn.client, 'this-instance').syncOnce();

    expect(outcome).toEqual({ outcome: 'handed_over', pages: 0, learnt: 0, total: 1 });
    // The page was not recorded (the sync is no longer ours), and the sync stays the other's.
    expect(await clientIdsByPhone(h.db.sql)).toEqual({ '79000000001': null });
    expect(await readClientDirectory(h.db.sql)).toMatchObject({
      status: 'syncing',
      owner: 'the-other-instance',
      lastOutcome: null,
    });
  });

  it('resumes a sync whose owner stopped beating at its next page, and leaves a live one alone', async () => {
    h = await createEngineHarness();
    const idOf = directoryOf(h, 500);
    await addContacts(h.db.sql, ['79000000001', '79000000450']);
    const worker = await h.addWorker();
    await h.db.sql`
      insert into chat2desk_client_directory (status, owner, started_at, heartbeat_at, next_offset, pages, learnt, total, wanted)
      values ('syncing', 'dead-process', ${h.clock.now()}, ${h.clock.now()}, 400, 2, 7, 500, 10)`;

    h.clock.advance(DIRECTORY_SYNC_STALE_MS - 1);
    expect(await syncerFor(h, worker).syncOnce()).toBeNull();
    h.clock.advance(2);
    const outcome = await syncerFor(h, worker).syncOnce();

    // One page read (offset 400): the contact on an earlier page is not looked for again.
    expect(outcome).toEqual({ outcome: 'complete', pages: 3, learnt: 8, total: 500 });
    expect(worker.client.requestCounts()['GET /v1/clients']).toBe(1);
    expect(await clientIdsByPhone(h.db.sql)).toEqual({ '79000000001': null, '79000000450': idOf(450) });
  });

  it('lets a sync go stale at once when it is stopped, so another instance resumes it', async () => {
    h = await createEngineHarness();
    directoryOf(h, 10);
    const worker = await h.addWorker();
    await h.db.sql`
      insert into chat2desk_client_directory (status, owner, started_at, heartbeat_at, next_offset, pages, wanted)
      values ('syncing', 'stopping-instance', ${h.clock.now()}, ${h.clock.now()}, 0, 0, 1)`;
    await syncerFor(h, worker, worker.client, 'stopping-instance').stop();
    expect(await syncerFor(h, worker).syncOnce()).toMatchObject({ outcome: 'complete', pages: 1 });
  });
});
