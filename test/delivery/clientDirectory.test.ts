import { afterEach, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/database.js';
import { ClientDirectorySync } from '../../src/delivery/clientDirectorySync.js';
import { readClientDirectory } from '../../src/delivery/sql/clientDirectory.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  START,
  seedContacts,
  startBroadcast,
} from '../support/engineHarness.js';

const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Clients who wrote to the company on `transport` before: in Chat2Desk's directory, not created by us. */
function directoryOf(harness: EngineHarness, phones: readonly string[], transport = 'whatsapp'): void {
  for (const phone of phones) {
    const client = harness.sandbox.state.addClient({ phone });
    harness.sandbox.state.addClientTransport(client, 1, transport, 'client');
  }
}

function phonesFrom(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(79000000000 + first + i));
}

function syncerFor(harness: EngineHarness, worker: Awaited<ReturnType<EngineHarness['addWorker']>>) {
  return new ClientDirectorySync({
    sql: worker.sql,
    client: worker.client,
    gate: worker.gate,
    clock: harness.clock,
    phoneRegion: 'RU',
  });
}

async function sentAtTimes(sql: Sql, campaignId: number): Promise<number[]> {
  const rows = await sql<{ at: Date }[]>`
    select distinct sent_at as at from deliveries where campaign_id = ${campaignId} and state = 'sent'`;
  return rows.map((r) => r.at.getTime());
}

describe('the Chat2Desk client directory, learnt before a large run', () => {
  it('learns a directory of 10,000 clients in ≤ 60 requests, and sends to those already there at once, one request each', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
    // 10,000 clients in the account; 1,000 contacts of ours, 900 of them among those clients.
    directoryOf(h, [...phonesFrom(1, 900), ...phonesFrom(100_001, 9_100)]);
    await seedContacts(h.db.sql, { count: 1_000, list: 'all' });
    const campaignId = await startBroadcast(h, { transport: 'whatsapp', list: 'all' });
    expect((await readClientDirectory(h.db.sql))?.status).toBe('requested');

    const worker = await h.addWorker();
    const before = { ...worker.client.requestCounts() };
    // While the sync is asked for, contacts without a client id are held back, costing no request.
    while ((await worker.worker.runOnce()) > 0);
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ waiting: 1_000 });
    expect(worker.client.requestCounts()).toEqual(before);

    const outcome = await worker.worker.directory.syncOnce();
    expect(outcome).toMatchObject({ outcome: 'complete', pages: 50, learnt: 900, total: 10_000 });
    const pageRequests =
      (worker.client.requestCounts()['GET /v1/clients'] ?? 0) - (before['GET /v1/clients'] ?? 0);
    expect(pageRequests).toBeLessThanOrEqual(60);

    await worker.worker.drain();
    // The 900 went out at the campaign's minute (no new-client wait: we did not create them), with one
    // request each; the other 100 were created and wait the WhatsApp delay.
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ sent: 900, waiting: 100 });
    expect(await sentAtTimes(h.db.sql, campaignId)).toEqual([START.getTime() + MINUTE]);
    const counts = worker.client.requestCounts();
    expect((counts['POST /v1/messages'] ?? 0) - (before['POST /v1/messages'] ?? 0)).toBe(900);
    expect((counts['POST /v1/clients'] ?? 0) - (before['POST /v1/clients'] ?? 0)).toBe(100);
    const [waiting] = await h.db.sql<{ reason: string; n: number }[]>`
      select reason, count(*)::int as n from deliveries where campaign_id = ${campaignId} and state = 'waiting'
      group by reason`;
    expect(waiting).toEqual({ reason: 'whatsapp_new_client_delay', n: 100 });

    h.clock.advance(7 * MINUTE);
    await worker.worker.drain();
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ sent: 1_000 });
    expect(await sentBeforeTheDelay(h.db.sql, campaignId)).toBe(0);
  });

  it('is not asked for when the audience has few contacts without a client id', async () => {
    h = await createEngineHarness();
    directoryOf(h, phonesFrom(1, 50));
    await seedContacts(h.db.sql, { count: 50, list: 'small' });
    const campaignId = await startBroadcast(h, { transport: 'whatsapp', list: 'small' });
    expect(await readClientDirectory(h.db.sql)).toBeNull();
    const worker = await h.addWorker();
    await worker.worker.drain();
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ waiting: 50 });
    expect(worker.client.requestCounts()['GET /v1/clients'] ?? 0).toBe(0);
  });

  it('stops after one page when the directory costs more pages than the contacts it could serve', async () => {
    h = await createEngineHarness();
    directoryOf(h, phonesFrom(100_001, 60_000), 'sms');
    await seedContacts(h.db.sql, { count: 250, list: 'some' });
    const campaignId = await startBroadcast(h, { transport: 'whatsapp', list: 'some' });
    const worker = await h.addWorker();
    expect(await worker.worker.directory.syncOnce()).toMatchObject({ outcome: 'not_worth', total: 60_000 });
    expect(worker.client.requestCounts()['GET /v1/clients']).toBe(1);
    await worker.worker.drain();
    // Resolved one by one instead; and the next run does not ask again (the directory's size is known).
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ waiting: 250 });
    // 250 contacts imported after that sync began: not looked for by it.
    await h.db.sql`insert into lists (name) values ('other')`;
    await h.db.sql`
      with added as (
        insert into contacts (phone, opted_in_at, created_at)
        select (79100000000 + i)::text, ${START}, ${h.clock.now()} from generate_series(1, 250) i
        returning id)
      insert into list_members (list_id, contact_id) select l.id, a.id from added a, lists l where l.name = 'other'`;
    await startBroadcast(h, { transport: 'whatsapp', list: 'other' });
    expect((await readClientDirectory(h.db.sql))?.status).toBe('idle');
  });

  it('resumes at the next page when the worker syncing it stopped beating', async () => {
    h = await createEngineHarness();
    directoryOf(h, phonesFrom(1, 1_000));
    await seedContacts(h.db.sql, { count: 1_000, list: 'all' });
    await startBroadcast(h, { transport: 'whatsapp', list: 'all' });
    const worker = await h.addWorker();
    // A sync that read two pages, then its process died (the row left as it was).
    await h.db.sql`
      update chat2desk_client_directory set status = 'syncing', owner = 'dead-process', started_at = ${h.clock.now()},
        heartbeat_at = ${h.clock.now()}, next_offset = 400, pages = 2`;
    expect(await syncerFor(h, worker).syncOnce()).toBeNull();
    h.clock.advance(3 * MINUTE);
    const outcome = await syncerFor(h, worker).syncOnce();
    expect(outcome).toMatchObject({ outcome: 'complete', pages: 5, learnt: 600 });
    expect(worker.client.requestCounts()['GET /v1/clients']).toBe(3);
  });

  it('sends to a found client on its transport, and adds the transport when Chat2Desk says it is not there', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
    // 300 clients known on Telegram only: in the directory, not on WhatsApp.
    directoryOf(h, phonesFrom(1, 300), 'telegram');
    await seedContacts(h.db.sql, { count: 300, list: 'tg' });
    const campaignId = await startBroadcast(h, { transport: 'whatsapp', list: 'tg' });
    const worker = await h.addWorker();
    await worker.worker.drain();
    // The refusal added WhatsApp (POST /v1/clients): the new-client delay now applies before the retry.
    const counts = worker.client.requestCounts();
    expect(counts['POST /v1/clients']).toBe(300);
    h.clock.advance(7 * MINUTE);
    await worker.worker.drain();
    await eventuallyAllSent(worker, h, campaignId);
    expect(await sentBeforeTheDelay(h.db.sql, campaignId)).toBe(0);
  });
});

/** Deliveries of the campaign sent before the WhatsApp delay had passed since the engine added the client. */
async function sentBeforeTheDelay(sql: Sql, campaignId: number): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from deliveries d join contacts c on c.id = d.contact_id
    where d.campaign_id = ${campaignId} and d.sent_at < c.chat2desk_whatsapp_added_at + interval '7 minutes'`;
  return row!.n;
}

/** Retries wait their back-off: move the clock past it until every delivery is sent. */
async function eventuallyAllSent(
  worker: Awaited<ReturnType<EngineHarness['addWorker']>>,
  harness: EngineHarness,
  campaignId: number,
): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const states = await deliveryStates(harness.db.sql, campaignId);
    if (Object.keys(states).length === 1 && states['sent'] !== undefined) return;
    harness.clock.advance(MINUTE);
    await worker.worker.drain();
  }
  expect(await deliveryStates(harness.db.sql, campaignId)).toEqual({ sent: 300 });
}
