import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { DeliveryState } from '../../src/delivery/states.js';
import { campaignReport } from '../../src/reports/campaignReport.js';
import { forgetOldDeliveries } from '../../src/scheduler/forgetOldDeliveries.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { START } from '../support/engineHarness.js';
import { seedContact } from '../support/seedDeliveries.js';
import { insertCampaign, insertRun, useTestDatabasePerTest } from './seed.js';

const DAY = 86_400_000;
const db = useTestDatabasePerTest();
let phones = 0;

/** A campaign whose one run is in `runStatus`, with a delivery per state, last changed `daysAgo` before START. */
async function runWith(
  runStatus: 'running' | 'completed' | 'cancelled',
  states: DeliveryState[],
  daysAgo: number,
): Promise<{ campaignId: number; runId: number }> {
  const campaignId = await insertCampaign(db.sql, {
    status: runStatus === 'running' ? 'running' : 'completed',
  });
  const runId = await insertRun(db.sql, campaignId, new Date(START.getTime() - daysAgo * DAY), runStatus);
  const at = new Date(START.getTime() - daysAgo * DAY);
  for (const state of states) {
    const contactId = await seedContact(db.sql, `7903000${String(++phones).padStart(4, '0')}`);
    const reason = state === 'failed' || state === 'skipped' ? 'opted_out' : null;
    const [row] = await db.sql<{ id: string }[]>`
      insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport,
                              sent_at, created_at, updated_at)
      values (${runId}, ${campaignId}, ${contactId}, ${state}, ${reason}, ${at}, ${at}, 'sms',
              ${['sent', 'delivered', 'read'].includes(state) ? at : null}, ${at}, ${at})
      returning id`;
    await db.sql`insert into delivery_events (delivery_id, run_id, to_state, at) values (${row!.id}, ${runId}, ${state}, ${at})`;
  }
  return { campaignId, runId };
}

const remaining = async (campaignId: number) =>
  (
    await db.sql<{ n: number }[]>`select count(*)::int as n from deliveries where campaign_id = ${campaignId}`
  )[0]!.n;

describe('forgetOldDeliveries', () => {
  it('removes the settled deliveries of finished runs from before the cutoff, with their events, keeping their counts', async () => {
    const old = await runWith('completed', ['sent', 'read', 'failed', 'skipped'], 40);
    const recent = await runWith('completed', ['sent'], 10);
    // The audience blocks the runs' rows were made from (src/delivery/sql/audienceBlocks.ts).
    for (const [{ runId, campaignId }, daysAgo] of [
      [old, 40],
      [recent, 10],
    ] as const) {
      const at = new Date(START.getTime() - daysAgo * DAY);
      await db.sql`
        insert into run_audience_blocks (run_id, block_no, campaign_id, transport, last_contact_id,
                                         tally_reasons, tally_counts, expanded_at, materialised_at)
        values (${runId}, 0, ${campaignId}, 'sms', 1, '{}', '{}', ${at}, ${at})`;
    }

    const n = await forgetOldDeliveries(db.sql, {
      before: new Date(START.getTime() - 30 * DAY),
      batchSize: 100,
    });

    expect(n).toBe(4);
    expect(await remaining(old.campaignId)).toBe(0);
    const [events] = await db.sql<{ n: number }[]>`select count(*)::int as n from delivery_events`;
    expect(events?.n).toBe(1); // the recent run's
    const report = await campaignReport(db.sql, old.campaignId);
    expect(report.total).toBe(4);
    expect(report.counts).toMatchObject({ sent: 1, read: 1, failed: 1, skipped: 1 });
    const blocks = await db.sql<{ run_id: number }[]>`select run_id from run_audience_blocks`;
    expect(blocks).toEqual([{ run_id: recent.runId }]);
  });

  it('leaves recent deliveries, pending ones and every delivery of a run still running', async () => {
    const recent = await runWith('completed', ['sent'], 10);
    const running = await runWith('running', ['sent', 'queued'], 40);
    const cancelled = await runWith('cancelled', ['skipped'], 40);
    await db.sql`
      update deliveries set state = 'waiting', reason = null
      where campaign_id = ${cancelled.campaignId}`; // a pending delivery of a finished run: left for its owner

    const n = await forgetOldDeliveries(db.sql, {
      before: new Date(START.getTime() - 30 * DAY),
      batchSize: 100,
    });

    expect(n).toBe(0);
    expect(await remaining(recent.campaignId)).toBe(1);
    expect(await remaining(running.campaignId)).toBe(2);
    expect(await remaining(cancelled.campaignId)).toBe(1);
  });

  it('removes no more than a batch at a time', async () => {
    const old = await runWith('completed', ['sent', 'sent', 'sent', 'sent', 'sent'], 40);
    const before = new Date(START.getTime() - 30 * DAY);

    expect(await forgetOldDeliveries(db.sql, { before, batchSize: 2 })).toBe(2);
    expect(await remaining(old.campaignId)).toBe(3);
    expect(await forgetOldDeliveries(db.sql, { before, batchSize: 10 })).toBe(3);
  });
});

describe('the timekeeper with RETENTION_DAYS', () => {
  it('removes old deliveries at most once an hour of engine time, and not at all without RETENTION_DAYS', async () => {
    const old = await runWith('completed', ['sent', 'failed'], 40);
    const clock = new ManualClock(START);

    expect((await new Timekeeper({ sql: db.sql, clock }).tick()).deliveriesForgotten).toBe(0);
    expect(await remaining(old.campaignId)).toBe(2);

    const keeper = new Timekeeper({ sql: db.sql, clock, retentionDays: 30 });
    expect((await keeper.tick()).deliveriesForgotten).toBe(2);
    const later = await runWith('completed', ['sent'], 40);
    clock.advance(59 * 60_000);
    expect((await keeper.tick()).deliveriesForgotten).toBe(0);
    clock.advance(60_000);
    expect((await keeper.tick()).deliveriesForgotten).toBe(1);
    expect(await remaining(later.campaignId)).toBe(0);
  });
});
