import { afterEach, describe, expect, it } from 'vitest';
import { countByStateAndReason } from '../../../src/reports/sql/countByStateAndReason.js';
import { findDeliveryCountDrift } from '../../../src/reports/sql/deliveryCountDrift.js';
import { Timekeeper } from '../../../src/scheduler/timekeeper.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  seedContacts,
  startBroadcast,
} from '../../support/engineHarness.js';

/**
 * Four blocks (10,000 × 3 and 2,000), every member with consent: the expansion makes rows for two
 * (20,000 due is enough ahead), the scheduler the rest as the worker sends; one in ten opted out.
 */
const AUDIENCE = 32_000;
const OPTED_OUT = AUDIENCE / 10;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('an audience larger than the expansion makes rows for, through the scheduler and a worker', () => {
  it('is sent to in full as the scheduler makes the rest into rows, the run completing with every member counted once', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 0 });
    await seedContacts(h.db.sql, { count: AUDIENCE, list: 'everyone' });
    const campaignId = await startBroadcast(h, { transport: 'sms', list: 'everyone' });
    const rows = async () =>
      (
        await h!.db.sql<
          { n: number }[]
        >`select count(*)::int as n from deliveries where campaign_id = ${campaignId}`
      )[0]!.n;
    const madeAtExpansion = await rows();
    expect(madeAtExpansion).toBe(20_000);
    // A STOP before the rest is made: honoured when its row is made.
    await h.db.sql`
      update contacts set opted_out_at = now(), opt_out_reason = 'STOP'
      where (phone::bigint - 79000000000) % 10 = 0`;

    const { worker } = await h.addWorker({ concurrency: 64, batchSize: 128 });
    const timekeeper = new Timekeeper({ sql: h.db.sql, clock: h.clock });
    let madeByScheduler = 0;
    for (let tick = 0; tick < 20; tick++) {
      await worker.drain();
      madeByScheduler += (await timekeeper.tick()).deliveriesMade;
      const [campaign] = await h.db.sql<
        { status: string }[]
      >`select status from campaigns where id = ${campaignId}`;
      if (campaign!.status === 'completed') break;
    }

    const [campaign] = await h.db.sql<
      { status: string }[]
    >`select status from campaigns where id = ${campaignId}`;
    expect(campaign!.status).toBe('completed');
    expect(await rows()).toBe(AUDIENCE);
    expect(madeByScheduler).toBe(AUDIENCE - madeAtExpansion);
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({
      sent: AUDIENCE - OPTED_OUT,
      skipped: OPTED_OUT,
    });
    expect(h.sandbox.state.messages.length).toBe(AUDIENCE - OPTED_OUT);
    const counts = await countByStateAndReason(h.db.sql, { campaignId });
    expect(counts.map((c) => [c.state, c.reason, c.n]).sort()).toEqual(
      [
        ['sent', null, AUDIENCE - OPTED_OUT],
        ['skipped', 'opted_out', OPTED_OUT],
      ].sort(),
    );
    expect(await findDeliveryCountDrift(h.db.sql)).toEqual([]);
  }, 120_000);
});
