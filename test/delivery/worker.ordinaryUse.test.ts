import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../../src/campaigns/lifecycle.js';
import type { ManualClock } from '../../src/clock.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  eventually,
  START,
  seedContacts,
} from '../support/engineHarness.js';

/**
 * The promises in ordinary use, with default settings and no faults: a campaign slower than the
 * lease, a slow campaign beside a fast one, a cancel or pause while messages wait for their pace,
 * and a delivery whose processing throws. Workers run their real loops; campaign pacing counts real
 * seconds, so these tests take a few seconds each (they assert outcomes, never durations).
 */
const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const MINUTE = 60_000;

let h: EngineHarness | undefined;
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await h?.close();
  h = undefined;
});

async function campaign(harness: EngineHarness, list: string, overrides: Record<string, unknown> = {}) {
  const definition = validateCampaignDefinition(
    {
      name: `To ${list}`,
      kind: 'broadcast',
      transport: 'sms',
      channelId: 1,
      template: 'Hi {{firstName}}, {{discount}}% off',
      audience: { list },
      schedule: { at: new Date(harness.clock.now().getTime() + MINUTE).toISOString() },
      ...overrides,
    },
    { now: harness.clock.now() },
  );
  return createCampaign(harness.db, definition, { now: harness.clock.now(), templatesDir: TEMPLATES });
}

/** Contacts already known to Chat2Desk on SMS: each delivery is one request, POST /v1/messages. */
async function knownToChat2Desk(harness: EngineHarness) {
  for (const row of await harness.db.sql<{ id: number; phone: string }[]>`
    select id, phone from contacts where chat2desk_client_id is null`) {
    const client = harness.sandbox.state.addClient({ phone: row.phone });
    harness.sandbox.state.addClientTransport(client, 1, 'sms', 'api');
    await harness.db.sql`
      update contacts set chat2desk_client_id = ${client.id}, chat2desk_transports = '{sms}' where id = ${row.id}`;
  }
}

/** Contacts 79000000000 + from … + from + count − 1 in list `list`. */
async function seedList(harness: EngineHarness, list: string, from: number, count: number) {
  await harness.db.sql`
    insert into contacts (phone, name, attributes, opted_in_at)
    select (79000000000 + i)::text, 'Client ' || i, jsonb_build_object('firstName', 'Name' || i, 'discount', 10),
           ${START}::timestamptz - interval '30 days'
    from generate_series(${from}::int, ${from + count - 1}::int) as i`;
  await harness.db.sql`insert into lists (name) values (${list})`;
  await harness.db.sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from lists l, contacts c
    where l.name = ${list} and c.phone::bigint between ${79000000000 + from} and ${79000000000 + from + count - 1}`;
}

/** The engine clock follows real time `factor` times faster, from where it is now. */
function followRealTime(clock: ManualClock, factor: number): void {
  const engineStart = clock.now().getTime();
  const realStart = Date.now();
  const timer = setInterval(() => clock.set(engineStart + (Date.now() - realStart) * factor), 10);
  stops.push(() => clearInterval(timer));
}

async function dueNow(harness: EngineHarness) {
  harness.clock.advance(MINUTE);
  await new Timekeeper({ sql: harness.db.sql, clock: harness.clock }).tick();
}

function messagesTo(harness: EngineHarness): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of harness.sandbox.state.messages) {
    if (m.type !== 'to_client') continue;
    const phone = harness.sandbox.state.client(m.clientId)?.phone ?? `client ${m.clientId}`;
    counts.set(phone, (counts.get(phone) ?? 0) + 1);
  }
  return counts;
}

async function sentPhones(harness: EngineHarness, campaignId: number): Promise<string[]> {
  const rows = await harness.db.sql<{ phone: string }[]>`
    select c.phone from deliveries d join contacts c on c.id = d.contact_id
    where d.campaign_id = ${campaignId} and d.state = 'sent' order by c.phone`;
  return rows.map((r) => r.phone);
}

async function openDeliveries(harness: EngineHarness, campaignId: number): Promise<number> {
  const [row] = await harness.db.sql<{ n: number }[]>`
    select count(*)::int as n from deliveries
    where campaign_id = ${campaignId} and state in ('queued', 'waiting', 'sending')`;
  return row!.n;
}

describe('a campaign slower than the lease', () => {
  it('sends each recipient once, with two workers whose leases run out while messages wait for the pace', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 8, list: 'vip' });
    await knownToChat2Desk(h);
    const slow = await campaign(h, 'vip', { rateLimit: { perSecond: 1 } });
    await dueNow(h);
    // Engine time runs ten times faster than real time: a lease of 4 s of engine time runs out in
    // 0.4 s, while each message waits up to a second of real time for its slot; renewals come too late.
    const workers = await Promise.all(
      [1, 2].map(() => h!.addWorker({ leaseMs: 4_000, leaseRenewalMs: 60_000, idlePollMs: 20 })),
    );
    followRealTime(h.clock, 10);
    for (const { worker } of workers) worker.start();

    // Slow by design (8 messages at 1/s, with a slot lost at each take-over): 10 to 60 s here, so
    // it is given three minutes. Its point is once each, not speed.
    await eventually(async () => (await openDeliveries(h!, slow.id)) === 0, 170_000);

    const inSandbox = messagesTo(h);
    expect([...inSandbox.values()].every((n) => n === 1)).toBe(true);
    expect(inSandbox.size).toBe(8);
    expect(await deliveryStates(h.db.sql, slow.id)).toEqual({ sent: 8 });
    expect(new Set(await sentPhones(h, slow.id))).toEqual(new Set(inSandbox.keys()));
  }, 180_000);
});

describe('a slow campaign beside a fast one', () => {
  it('takes no more workers than its pace needs: the fast one goes out in the first round, as if alone', async () => {
    h = await createEngineHarness();
    await seedList(h, 'slow', 1, 40);
    await seedList(h, 'fast', 101, 40);
    await knownToChat2Desk(h);
    const slow = await campaign(h, 'slow', { rateLimit: { perSecond: 0.01 } });
    const fast = await campaign(h, 'fast');
    await dueNow(h);
    const { worker } = await h.addWorker({ concurrency: 16, batchSize: 100 });

    // One round, as a worker takes it: all 40 of the fast campaign, one of the slow (its one slot).
    expect(await worker.runOnce()).toBe(41);
    expect(await deliveryStates(h.db.sql, fast.id)).toEqual({ sent: 40 });
    expect(await deliveryStates(h.db.sql, slow.id)).toEqual({ sent: 1, queued: 39 });
    // The next slot is 100 s away: none of the slow campaign's deliveries is even claimed meanwhile.
    expect(await worker.runOnce()).toBe(0);
    const [claimed] = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from deliveries where campaign_id = ${slow.id} and locked_by is not null`;
    expect(claimed!.n).toBe(0);
  });

  it("lets the fast one finish first with the workers' real loops, the slow one holding nothing", async () => {
    h = await createEngineHarness();
    await seedList(h, 'slow', 1, 40);
    await knownToChat2Desk(h);
    const slow = await campaign(h, 'slow', { rateLimit: { perSecond: 0.01 } });
    await dueNow(h);
    const { worker } = await h.addWorker({ concurrency: 16, batchSize: 100, idlePollMs: 20 });
    worker.start();
    await eventually(async () => (await deliveryStates(h!.db.sql, slow.id)).sent === 1, 30_000);

    // A second campaign arrives while the slow one is under way.
    await seedList(h, 'fast', 101, 40);
    await knownToChat2Desk(h);
    const fast = await campaign(h, 'fast');
    await dueNow(h);
    await eventually(async () => (await openDeliveries(h!, fast.id)) === 0, 30_000);

    expect(await deliveryStates(h.db.sql, fast.id)).toEqual({ sent: 40 });
    const slowStates = await deliveryStates(h.db.sql, slow.id);
    expect(slowStates.sent).toBeLessThanOrEqual(2);
    expect(slowStates.sending ?? 0).toBe(0);
  });
});

/** A campaign paced at 4/s to `count` known contacts, a worker's loop on it, `sent` of them out. */
async function pacedCampaignUnderWay(harness: EngineHarness, count: number, sent: number) {
  await seedContacts(harness.db.sql, { count, list: 'vip' });
  await knownToChat2Desk(harness);
  const paced = await campaign(harness, 'vip', { rateLimit: { perSecond: 4 } });
  await dueNow(harness);
  const { worker } = await harness.addWorker({ idlePollMs: 20 });
  followRealTime(harness.clock, 1);
  worker.start();
  await eventually(async () => (await deliveryStates(harness.db.sql, paced.id)).sent! >= sent, 30_000);
  return paced;
}

/** Deliveries of the campaign in `sending` right now. */
async function sendingNow(harness: EngineHarness, campaignId: number): Promise<number> {
  const [row] = await harness.db.sql<{ n: number }[]>`
    select count(*)::int as n from deliveries where campaign_id = ${campaignId} and state = 'sending'`;
  return row!.n;
}

describe('cancel and pause while messages wait for their pace', () => {
  it('starts no request of a campaign once its cancel has committed, and reports what went out', async () => {
    h = await createEngineHarness();
    const paced = await pacedCampaignUnderWay(h, 20, 3);

    await cancelCampaign(h.db.sql, paced.id, { now: h.clock.now() });
    const afterCancel = messagesTo(h).size;
    const inFlight = await sendingNow(h, paced.id);
    // Longer than any admission may wait (the 1 s horizon), so a late send would have shown.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await eventually(async () => (await openDeliveries(h!, paced.id)) === 0, 30_000);

    const sent = messagesTo(h).size;
    // Nothing waits in `sending`: only requests under way (one per seat of the pace, 4) can be there.
    expect(inFlight).toBeLessThanOrEqual(4);
    expect(sent - afterCancel).toBeLessThanOrEqual(inFlight);
    const states = await deliveryStates(h.db.sql, paced.id);
    expect(states.sent).toBe(sent);
    expect(states.skipped).toBe(20 - sent);
  });

  it('starts no request while paused, and sends each recipient once after the resume', async () => {
    h = await createEngineHarness();
    const paced = await pacedCampaignUnderWay(h, 12, 2);

    await pauseCampaign(h.db.sql, paced.id, { now: h.clock.now() });
    const atPause = messagesTo(h).size;
    const inFlight = await sendingNow(h, paced.id);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(inFlight).toBeLessThanOrEqual(4);
    expect(messagesTo(h).size - atPause).toBeLessThanOrEqual(inFlight);
    const whilePaused = await deliveryStates(h.db.sql, paced.id);
    expect(whilePaused.sending ?? 0).toBe(0);

    await resumeCampaign(h.db.sql, paced.id, { now: h.clock.now() });
    await eventually(async () => (await openDeliveries(h!, paced.id)) === 0, 30_000);
    expect(await deliveryStates(h.db.sql, paced.id)).toEqual({ sent: 12 });
    expect([...messagesTo(h).values()]).toEqual(Array(12).fill(1));
  });
});

describe('a send left in flight when its campaign is cancelled', () => {
  it('is skipped as cancelled once Chat2Desk is found not to hold it, never sent again or left waiting', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    await knownToChat2Desk(h);
    const cancelled = await campaign(h, 'vip');
    await dueNow(h);
    // A worker recorded `sending` and died before its request; then the campaign was cancelled.
    await h.db.sql`
      update deliveries d set state = 'sending', sending_at = ${h.clock.now()}, attempts = 1,
        rendered_text = 'Hi there', chat2desk_client_id = c.chat2desk_client_id,
        locked_by = 'dead-worker', locked_at = ${h.clock.now()}, lease_token = 1
      from contacts c where c.id = d.contact_id and d.campaign_id = ${cancelled.id}`;
    await cancelCampaign(h.db.sql, cancelled.id, { now: h.clock.now() });
    h.clock.advance(10 * MINUTE);

    const { worker } = await h.addWorker();
    await worker.drain();

    expect(await deliveryStates(h.db.sql, cancelled.id)).toEqual({ skipped: 2 });
    const reasons = await h.db
      .sql`select distinct reason from deliveries where campaign_id = ${cancelled.id}`;
    expect(reasons).toEqual([{ reason: 'cancelled' }]);
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toEqual([]);
  });
});

describe('a delivery whose processing throws', () => {
  it('is retried with back-off and then failed with its reason, never left to be claimed for ever', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    await knownToChat2Desk(h);
    const broken = await campaign(h, 'vip', { rateLimit: { perSecond: 1 } });
    // A rate stored before validation knew its range: the limiter refuses it at every attempt.
    await h.db.sql`update campaigns set rate_limit_per_second = 1e308 where id = ${broken.id}`;
    await dueNow(h);
    const { worker } = await h.addWorker();
    for (let i = 0; i < 10; i++) {
      await worker.drain();
      h.clock.advance(30 * MINUTE);
    }

    const rows = await h.db.sql<{ state: string; reason: string; attempts: number }[]>`
      select state, reason, attempts from deliveries where campaign_id = ${broken.id}`;
    expect(rows).toEqual([
      { state: 'failed', reason: 'attempts_exhausted:internal_error', attempts: 6 },
      { state: 'failed', reason: 'attempts_exhausted:internal_error', attempts: 6 },
    ]);
    expect(h.sandbox.state.messages.filter((m) => m.type === 'to_client')).toEqual([]);
    expect(worker.failures.processing).toBeGreaterThanOrEqual(12);
  });
});
