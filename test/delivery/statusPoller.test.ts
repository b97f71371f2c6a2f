import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { StatusPoller } from '../../src/delivery/statusPoller.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  START,
  seedContacts,
} from '../support/engineHarness.js';

const MINUTE = 60_000;
let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function sendBroadcast(harness: EngineHarness, transport: string, count: number) {
  await seedContacts(harness.db.sql, { count, list: 'vip' });
  const definition = validateCampaignDefinition(
    {
      name: 'Statuses',
      kind: 'broadcast',
      transport,
      channelId: 1,
      template: 'Hi {{firstName}}',
      audience: { list: 'vip' },
      schedule: { at: new Date(START.getTime() + MINUTE).toISOString() },
    },
    { now: harness.clock.now() },
  );
  const campaign = await createCampaign(harness.db, definition, {
    now: harness.clock.now(),
    templatesDir: join(import.meta.dirname, '..', '..', 'templates'),
  });
  harness.clock.advance(MINUTE);
  await new Timekeeper({ sql: harness.db.sql, clock: harness.clock }).tick();
  const parts = await harness.addWorker();
  await parts.worker.drain();
  return { campaign, ...parts };
}

describe('StatusPoller', () => {
  it('collects Viber delivery and read statuses as the messenger reports them, within its request budget', async () => {
    h = await createEngineHarness({
      sandbox: {
        statusTimings: { deliveredAfterMs: 1000, readAfterMs: 5000 },
        unreachablePhonePattern: /0007$/,
      },
    });
    const { campaign, client, gate } = await sendBroadcast(h, 'viber', 40);
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ sent: 40 });
    const poller = new StatusPoller({ sql: h.db.sql, client, gate, clock: h.clock });

    h.clock.advance(2_000);
    await poller.pollOnce();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ delivered: 39, failed: 1 });
    const [failed] = await h.db.sql`select reason from deliveries where state = 'failed'`;
    expect(failed?.reason).toBe('undeliverable');

    h.clock.advance(10_000);
    await poller.pollOnce();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ read: 39, failed: 1 });
    // Two polls against 81 other requests: well inside 1 + 5 %.
    expect(poller.polls).toBe(2);
    expect(poller.polls).toBeLessThanOrEqual(1 + 0.05 * (gate.requests - poller.polls));
  });

  it('finds statuses where a real account lists Viber messages (viber_business), then asks only there', async () => {
    h = await createEngineHarness({
      sandbox: {
        viberListedAs: 'viber_business',
        statusTimings: { deliveredAfterMs: 1000, readAfterMs: 5000 },
      },
    });
    const { campaign, client, gate } = await sendBroadcast(h, 'viber', 40);
    const poller = new StatusPoller({ sql: h.db.sql, client, gate, clock: h.clock });

    h.clock.advance(2_000);
    await poller.pollOnce();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ delivered: 40 });
    // `viber` first (the manual's name, empty here), then `viber_business`.
    expect(poller.polls).toBe(2);

    h.clock.advance(10_000);
    await poller.pollOnce();
    expect(await deliveryStates(h.db.sql, campaign.id)).toEqual({ read: 40 });
    expect(poller.polls).toBe(3);
  });

  it('does not poll when its budget is spent, however often it is asked', async () => {
    h = await createEngineHarness();
    const { client, gate } = await sendBroadcast(h, 'viber', 4); // 9 requests: budget 1 + 0.45
    const poller = new StatusPoller({ sql: h.db.sql, client, gate, clock: h.clock });

    for (let i = 0; i < 10; i++) await poller.pollOnce();

    expect(poller.polls).toBe(1);
  });

  it('never overlaps itself: a poll asked for while one is under way joins it', async () => {
    h = await createEngineHarness({
      sandbox: { statusTimings: { deliveredAfterMs: 1000, readAfterMs: 5000 } },
    });
    const { client, gate } = await sendBroadcast(h, 'viber', 10);
    const poller = new StatusPoller({ sql: h.db.sql, client, gate, clock: h.clock, budgetRatio: 1 });
    h.clock.advance(2_000);

    const [first, second] = await Promise.all([poller.pollOnce(), poller.pollOnce()]);

    expect(second).toBe(first);
    expect(poller.polls).toBe(1);
  });
});
