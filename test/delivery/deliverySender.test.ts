import { afterEach, describe, expect, it } from 'vitest';
import { campaignPauser } from '../../src/campaigns/lifecycle.js';
import { Chat2DeskClient } from '../../src/chat2desk/client.js';
import { DeliverySender, type DeliverySenderOptions } from '../../src/delivery/deliverySender.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  claimStaleSending,
} from '../../src/delivery/sql/claimDueDeliveries.js';
import { MoveBatcher } from '../../src/delivery/sql/moveDeliveries.js';
import type { WorkerFailureCounts } from '../../src/delivery/worker.js';
import { silentLogger } from '../../src/logger.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';
import { deliveryEvents, seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

const MINUTE = 60_000;
const LEASE_MS = 5 * MINUTE;

let h: EngineHarness;
afterEach(async () => {
  await h.close();
});

/** A sender as the worker makes one, on the harness's database and sandbox; `client` replaces its client. */
async function sender(client?: Chat2DeskClient) {
  const parts = await h.addWorker();
  const failures: WorkerFailureCounts = { campaignPause: 0, leaseRenewal: 0, processing: 0, claim: 0 };
  const options: DeliverySenderOptions = {
    sql: parts.sql,
    client: client ?? parts.client,
    gate: parts.gate,
    clock: h.clock,
    whatsappDelayMs: 420_000,
    defaultTimezone: 'UTC',
    admissionHorizonMs: 1000,
    rateMarginMs: 10,
    realTime: () => Date.now(),
    random: () => 0.5,
    pauseCampaign: campaignPauser(parts.sql),
  };
  return {
    sender: new DeliverySender(options, {
      workerId: 'w1',
      logger: silentLogger,
      moves: new MoveBatcher(parts.sql),
      replies: undefined,
      failures,
    }),
    failures,
  };
}

/** One opted-in contact's queued delivery of a running SMS broadcast ("Hi"), claimed by w1. */
async function claimOne(
  options: { template?: string } = {},
): Promise<ClaimedDelivery & { home: { campaignId: number } }> {
  const home = await seedRunningCampaign(h.db.sql);
  if (options.template)
    await h.db.sql`update campaigns set template_source = ${options.template} where id = ${home.campaignId}`;
  const contactId = await seedContact(h.db.sql, '79001112233');
  await seedDelivery(h.db.sql, home, { contactId });
  const [claimed] = await claimDueDeliveries(h.db.sql, {
    workerId: 'w1',
    now: h.clock.now(),
    limit: 10,
    leaseMs: LEASE_MS,
  });
  return { ...claimed!, home };
}

async function row(id: string) {
  const [r] = await h.db.sql<
    {
      state: string;
      reason: string | null;
      attempts: number;
      rendered_text: string | null;
      chat2desk_message_id: string | null;
      locked_by: string | null;
    }[]
  >`select state, reason, attempts, rendered_text, chat2desk_message_id::text, locked_by from deliveries where id = ${id}`;
  return r!;
}

const outgoing = () => h.sandbox.state.messages.filter((m) => m.type === 'to_client');

describe('DeliverySender.process', () => {
  it('sends a claimed delivery once: the client created, the text recorded, sent with Chat2Desk’s message id', async () => {
    h = await createEngineHarness();
    const { sender: s } = await sender();
    const d = await claimOne({ template: 'Hello, {{phone}}' });

    await s.process(d);

    const messages = outgoing();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ text: 'Hello, 79001112233', transport: 'sms' });
    expect(await row(d.id)).toMatchObject({
      state: 'sent',
      attempts: 1,
      rendered_text: 'Hello, 79001112233',
      chat2desk_message_id: String(messages[0]!.id),
      locked_by: null,
    });
    expect((await deliveryEvents(h.db.sql, d.id)).map((e) => e.to_state)).toEqual(['sending', 'sent']);
  });

  it('skips a contact who opted out after the delivery was queued, with no request to Chat2Desk', async () => {
    h = await createEngineHarness();
    const { sender: s } = await sender();
    const d = await claimOne();
    const optedOut = { ...d, optedOutAt: h.clock.now() };

    await s.process(optedOut);

    expect(await row(d.id)).toMatchObject({ state: 'skipped', reason: 'opted_out', attempts: 0 });
    expect(h.sandbox.state.requests.routeCounts()['POST /v1/messages'] ?? 0).toBe(0);
  });

  it('skips a delivery whose template needs a value the contact does not have, naming it', async () => {
    h = await createEngineHarness();
    const { sender: s } = await sender();
    const d = await claimOne({ template: 'Hi {{firstName}}' });

    await s.process(d);

    expect(await row(d.id)).toMatchObject({ state: 'skipped', reason: 'missing_variable:firstName' });
    expect(outgoing()).toHaveLength(0);
  });

  it('sends nothing for a campaign paused after the claim, and lets the claim go with the delivery queued', async () => {
    h = await createEngineHarness();
    const { sender: s } = await sender();
    const d = await claimOne();
    await h.db.sql`update campaigns set status = 'paused' where id = ${d.home.campaignId}`;

    await s.process(d);

    expect(await row(d.id)).toMatchObject({ state: 'queued', attempts: 0, locked_by: null });
    expect(outgoing()).toHaveLength(0);
  });

  it('pauses the campaign when Chat2Desk refuses the token, and puts the delivery back unsent', async () => {
    h = await createEngineHarness();
    const wrongToken = new Chat2DeskClient({
      baseUrl: h.sandbox.url,
      token: 'not-the-token',
      timeoutMs: 2_000,
    });
    const { sender: s } = await sender(wrongToken);
    const d = await claimOne();

    await s.process(d);
    await wrongToken.close();

    const [campaign] = await h.db.sql<
      { status: string }[]
    >`select status from campaigns where id = ${d.home.campaignId}`;
    expect(campaign?.status).toBe('paused');
    expect(await row(d.id)).toMatchObject({ state: 'queued', attempts: 0, locked_by: null });
    expect(outgoing()).toHaveLength(0);
  });

  it('finds a send whose outcome was lost in Chat2Desk and records it sent, without a second message', async () => {
    h = await createEngineHarness();
    const { sender: s } = await sender();
    const d = await claimOne();
    await s.process(d);
    const [message] = outgoing();
    // As if the worker had died before recording `sent`: the send is found in `sending` once its lease ran out.
    await h.db
      .sql`update deliveries set state = 'sending', chat2desk_message_id = null, locked_by = 'gone', locked_at = ${h.clock.now()} where id = ${d.id}`;
    h.clock.advance(LEASE_MS + MINUTE);
    const [stale] = await claimStaleSending(h.db.sql, {
      workerId: 'w1',
      now: h.clock.now(),
      limit: 10,
      leaseMs: LEASE_MS,
    });
    expect(stale?.state).toBe('sending');

    await s.process(stale!);

    expect(outgoing()).toHaveLength(1);
    expect(await row(d.id)).toMatchObject({
      state: 'sent',
      chat2desk_message_id: String(message!.id),
      attempts: 1,
    });
    const events = await deliveryEvents(h.db.sql, d.id);
    expect(events.at(-1)).toMatchObject({
      from_state: 'sending',
      to_state: 'sent',
      details: { reconciled: 'recovered' },
    });
  });

  it('puts a send Chat2Desk never received back to wait for another attempt, counted once', async () => {
    h = await createEngineHarness();
    const { sender: s } = await sender();
    const d = await claimOne();
    const client = h.sandbox.state.addClient({ phone: '79001112233' });
    h.sandbox.state.addClientTransport(client, 1, 'sms', 'api');
    // Recorded as sending with its text and client, and then nothing reached Chat2Desk.
    await h.db.sql`
      update deliveries set state = 'sending', sending_at = ${h.clock.now()}, attempts = 1, rendered_text = 'Hi',
        chat2desk_client_id = ${client.id}, locked_by = 'gone', locked_at = ${h.clock.now()} where id = ${d.id}`;
    h.clock.advance(LEASE_MS + MINUTE);
    const [stale] = await claimStaleSending(h.db.sql, {
      workerId: 'w1',
      now: h.clock.now(),
      limit: 10,
      leaseMs: LEASE_MS,
    });

    await s.process(stale!);

    expect(outgoing()).toHaveLength(0);
    expect(await row(d.id)).toMatchObject({ state: 'waiting', reason: 'retry:recovered', attempts: 1 });
    expect((await deliveryEvents(h.db.sql, d.id)).at(-1)?.details).toEqual({ reconciled: 'not_found' });
  });
});
