import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { stopVocabularyOf } from '../../src/delivery/optOut.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createEngineHarness, type EngineHarness, seedContacts } from '../support/engineHarness.js';

/**
 * Client replies without a web hook: STOP read on a clock of its own (every 5 s of engine time while
 * sending, every minute when idle, and before a run's first message), shared by instances, within a
 * budget of a limited quota. The engine clock is moved; the sandbox shares it.
 */
const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const SECOND = 1_000;
const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function knownToChat2Desk(harness: EngineHarness) {
  for (const row of await harness.db.sql<{ id: number; phone: string }[]>`
    select id, phone from contacts where chat2desk_client_id is null order by id`) {
    const client = harness.sandbox.state.addClient({ phone: row.phone });
    harness.sandbox.state.addClientTransport(client, 1, 'sms', 'api');
    await harness.db.sql`
      update contacts set chat2desk_client_id = ${client.id}, chat2desk_transports = '{sms}' where id = ${row.id}`;
  }
}

/** A broadcast due `inMs` from now, and the timekeeper to run it. */
async function broadcastIn(harness: EngineHarness, inMs: number) {
  const definition = validateCampaignDefinition(
    {
      name: 'Weekly',
      kind: 'broadcast',
      transport: 'sms',
      channelId: 1,
      template: 'Hi {{firstName}}',
      audience: { list: 'vip' },
      schedule: { at: new Date(harness.clock.now().getTime() + inMs).toISOString() },
    },
    { now: harness.clock.now() },
  );
  return createCampaign(harness.db, definition, { now: harness.clock.now(), templatesDir: TEMPLATES });
}

async function optedOutAt(harness: EngineHarness, phone: string): Promise<Date | null> {
  const [row] = await harness.db.sql<
    { at: Date | null }[]
  >`select opted_out_at as at from contacts where phone = ${phone}`;
  return row?.at ?? null;
}

function messagesToPhone(harness: EngineHarness, phone: string) {
  const client = harness.sandbox.state.clientByPhone(phone)!;
  return harness.sandbox.state.messages.filter((m) => m.type === 'to_client' && m.clientId === client.id);
}

describe('ReplyWatcher', () => {
  it('applies a STOP written while a campaign sends within 15 s of engine time; the client gets nothing after', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 30, list: 'vip' });
    await knownToChat2Desk(h);
    const campaign = await broadcastIn(h, MINUTE);
    h.clock.advance(MINUTE);
    const timekeeper = new Timekeeper({ sql: h.db.sql, clock: h.clock });
    await timekeeper.tick();
    const { worker, replies } = await h.addWorker({ batchSize: 3, replyWatcher: {} });

    const stopper = '79000000020';
    let stoppedAt: Date | undefined;
    for (let round = 1; round <= 12; round++) {
      h.clock.advance(SECOND);
      await replies!.tick();
      await worker.runOnce();
      if (round === 2) {
        stoppedAt = h.clock.now();
        await h.sandbox.clientReply(h.sandbox.state.clientByPhone(stopper)!.id, 'СТОП');
      }
    }

    const applied = await optedOutAt(h, stopper);
    expect(applied).not.toBeNull();
    expect(applied!.getTime() - stoppedAt!.getTime()).toBeLessThanOrEqual(15 * SECOND);
    expect(messagesToPhone(h, stopper).filter((m) => m.acceptedAt > stoppedAt!)).toEqual([]);
    const [delivery] = await h.db.sql`
      select d.state, d.reason from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${campaign.id} and c.phone = ${stopper}`;
    expect(delivery).toEqual({ state: 'skipped', reason: 'opted_out' });
    expect(replies!.counts.polls.active).toBeGreaterThanOrEqual(2);
  });

  it('reads replies at least once a minute when nothing is being sent', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 3, list: 'vip' });
    await knownToChat2Desk(h);
    const { replies } = await h.addWorker({ replyWatcher: {} });
    await replies!.tick(); // the first poll: it sets where reading starts

    h.clock.advance(5 * SECOND);
    const stoppedAt = h.clock.now();
    await h.sandbox.clientReply(h.sandbox.state.clientByPhone('79000000002')!.id, 'stop');
    for (let i = 0; i < 12 && !(await optedOutAt(h, '79000000002')); i++) {
      h.clock.advance(10 * SECOND);
      await replies!.tick();
    }

    const applied = await optedOutAt(h, '79000000002');
    expect(applied).not.toBeNull();
    expect(applied!.getTime() - stoppedAt.getTime()).toBeLessThanOrEqual(MINUTE);
    // Idle: one poll a minute, not one per look at the clock.
    expect(replies!.counts.polls.idle).toBe(2);
    expect(replies!.counts.polls.active).toBe(0);
  });

  it("applies a STOP written while idle before the next run's first message goes out", async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 5, list: 'vip' });
    await knownToChat2Desk(h);
    const campaign = await broadcastIn(h, 30 * SECOND);
    const { worker, replies } = await h.addWorker({ replyWatcher: {} });
    await replies!.tick();

    h.clock.advance(20 * SECOND);
    await h.sandbox.clientReply(h.sandbox.state.clientByPhone('79000000001')!.id, 'Отписаться');
    h.clock.advance(10 * SECOND); // the run is due; no idle poll has come since the STOP
    await new Timekeeper({ sql: h.db.sql, clock: h.clock }).tick();
    await worker.drain();

    expect(messagesToPhone(h, '79000000001')).toEqual([]);
    const rows = await h.db.sql<{ state: string; reason: string | null }[]>`
      select state, reason from deliveries where campaign_id = ${campaign.id} order by contact_id`;
    expect(rows[0]).toEqual({ state: 'skipped', reason: 'opted_out' });
    expect(rows.slice(1).map((r) => r.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(replies!.counts.polls.before_send).toBe(1);
  });

  it('polls once per interval however many instances look at the same moment', async () => {
    h = await createEngineHarness();
    const instances = await Promise.all([1, 2, 3].map(() => h!.addWorker({ replyWatcher: {} })));

    await Promise.all(instances.map(({ replies }) => replies!.tick()));
    h.clock.advance(30 * SECOND);
    await Promise.all(instances.map(({ replies }) => replies!.tick()));
    h.clock.advance(31 * SECOND);
    await Promise.all(instances.map(({ replies }) => replies!.tick()));

    const polls = instances.reduce((n, { replies }) => n + replies!.counts.polls.idle, 0);
    expect(polls).toBe(2);
  });

  it('carries its cursor across restarts and reads a backlog page by page', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    await knownToChat2Desk(h);
    const first = await h.addWorker({ replyWatcher: {} });
    await first.replies!.tick();
    await first.worker.stop();

    const chatty = h.sandbox.state.clientByPhone('79000000001')!;
    for (let i = 0; i < 250; i++) await h.sandbox.clientReply(chatty.id, `question ${i}`);
    await h.sandbox.clientReply(h.sandbox.state.clientByPhone('79000000002')!.id, 'STOP');
    // A new process: it starts where the last one stopped reading, not from the newest page.
    const second = await h.addWorker({ replyWatcher: {} });
    h.clock.advance(MINUTE);
    await second.replies!.tick();

    expect(second.replies!.counts.requests).toBe(2);
    expect(await optedOutAt(h, '79000000002')).not.toBeNull();
    const [events] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from webhook_events`;
    expect(events!.n).toBe(251);
  });

  it('skips the history at its first poll where the service ignores `order` (live-style paging), and then reads on', async () => {
    h = await createEngineHarness({ sandbox: { livePaging: true } });
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    await knownToChat2Desk(h);
    const chatty = h.sandbox.state.clientByPhone('79000000001')!;
    for (let i = 0; i < 450; i++) await h.sandbox.clientReply(chatty.id, `old question ${i}`);
    const { replies } = await h.addWorker({ replyWatcher: {} });

    // The oldest page comes back whatever `order` says: followed to the end, only the last is read.
    await replies!.tick();
    expect(replies!.counts.requests).toBe(3);

    await h.sandbox.clientReply(h.sandbox.state.clientByPhone('79000000002')!.id, 'STOP');
    h.clock.advance(MINUTE);
    await replies!.tick();

    expect(await optedOutAt(h, '79000000002')).not.toBeNull();
    expect(replies!.counts.requests).toBe(4);
    // 50 messages of the last history page and the STOP: the rest of the history was not replayed.
    const [events] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from webhook_events`;
    expect(events!.n).toBe(51);
  });

  it("matches a STOP by the client's phone when no contact knows its Chat2Desk id", async () => {
    h = await createEngineHarness();
    await h.db.sql`insert into contacts (phone, opted_in_at) values ('79001112233', now())`;
    const { replies } = await h.addWorker({ replyWatcher: {} });
    await replies!.tick();

    // The client wrote to the company on its own: Chat2Desk knows it, we know only its phone.
    await h.sandbox.clientReply('79001112233', 'стоп');
    h.clock.advance(MINUTE);
    await replies!.tick();

    expect(await optedOutAt(h, '79001112233')).not.toBeNull();
    expect(replies!.counts.optOuts).toBe(1);
  });

  it('reads STOP in the configured vocabulary (OPT_OUT_KEYWORDS), and flags a reply that only looks like one', async () => {
    h = await createEngineHarness();
    await h.db
      .sql`insert into contacts (phone, opted_in_at) values ('79001112234', now()), ('79001112235', now())`;
    const stopVocabulary = stopVocabularyOf(['хватит спама']);
    const { replies } = await h.addWorker({ replyWatcher: { stopVocabulary } });
    await replies!.tick();

    await h.sandbox.clientReply('79001112234', 'STOP');
    await h.sandbox.clientReply('79001112235', 'Хватит спама!');
    await h.sandbox.clientReply('79001112234', 'хватит спама, правда');
    h.clock.advance(MINUTE);
    await replies!.tick();

    expect(await optedOutAt(h, '79001112234')).toBeNull();
    expect(await optedOutAt(h, '79001112235')).not.toBeNull();
    const flagged = await h.db.sql`select payload->>'text' as text from webhook_events where looks_like_stop`;
    expect(flagged).toEqual([{ text: 'хватит спама, правда' }]);
  });

  it('keeps to its share of a limited monthly quota, idle polls leaving half the budget for sending', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 3, list: 'vip' });
    await knownToChat2Desk(h);
    // 1,000 requests a month: reply polls may take 100, 20 at most in the bucket, idle ones 10 of them.
    const parts = await h.addWorker({ monthlyQuota: 1000, replyWatcher: { monthlyQuota: async () => 1000 } });
    const { replies } = parts;
    for (let i = 0; i < 20; i++) {
      await replies!.tick();
      h.clock.advance(MINUTE);
    }
    expect(replies!.counts.polls.idle).toBe(10);
    expect(replies!.counts.skippedForBudget).toBe(10);

    // Sending starts: active polls may use the rest of the bucket, then wait for it to refill.
    await broadcastIn(h, SECOND);
    h.clock.advance(SECOND);
    await new Timekeeper({ sql: h.db.sql, clock: h.clock }).tick();
    for (let i = 0; i < 15; i++) {
      h.clock.advance(5 * SECOND);
      await replies!.tick();
    }
    expect(replies!.counts.polls.active).toBe(10);
    expect(replies!.counts.requests).toBe(20);

    // Sending earns polls: 5 % of the other requests, here 200 of them, are 10 more.
    for (let i = 0; i < 200; i++) await parts.gate.call(() => parts.client.getApiInfo());
    for (let i = 0; i < 15; i++) {
      h.clock.advance(5 * SECOND);
      await replies!.tick();
    }
    expect(replies!.counts.polls.active).toBe(20);
  });
});
