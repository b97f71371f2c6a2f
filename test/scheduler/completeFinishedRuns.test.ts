import { describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../src/delivery/states.js';
import { completeFinishedRuns } from '../../src/scheduler/completeFinishedRuns.js';
import { START } from '../support/engineHarness.js';
import { seedContact, seedDelivery } from '../support/seedDeliveries.js';
import { insertCampaign, insertRun, useTestDatabasePerTest } from './seed.js';

const NOW = new Date(START.getTime() + 3_600_000);

const db = useTestDatabasePerTest();
let phones = 0;

/** A running broadcast whose one run (in `status`) holds a delivery per state given. */
async function runWith(
  states: DeliveryState[],
  options: { status?: 'pending' | 'expanding' | 'running'; kind?: 'broadcast' | 'reminder' } = {},
): Promise<{ campaignId: number; runId: number }> {
  const campaignId = await insertCampaign(db.sql, { status: 'running', kind: options.kind ?? 'broadcast' });
  const runId = await insertRun(db.sql, campaignId, START, options.status ?? 'running');
  for (const state of states) {
    const contactId = await seedContact(db.sql, `7902000${String(++phones).padStart(4, '0')}`);
    const reason = state === 'failed' || state === 'skipped' ? 'opted_out' : null;
    await seedDelivery(db.sql, { campaignId, runId }, { contactId, state, reason });
  }
  return { campaignId, runId };
}

async function run(id: number) {
  const [row] = await db.sql<{ status: string; completed_at: Date | null }[]>`
    select status, completed_at from campaign_runs where id = ${id}`;
  return row!;
}

describe('completeFinishedRuns', () => {
  it('completes a running run whose deliveries are all over, stamping and logging the move', async () => {
    const finished = await runWith(['sent', 'delivered', 'failed', 'skipped']);

    expect(await completeFinishedRuns(db.sql, NOW)).toEqual([finished]);

    expect(await run(finished.runId)).toEqual({ status: 'completed', completed_at: NOW });
    expect(
      await db.sql`select from_status, to_status, at from campaign_run_events where run_id = ${finished.runId}`,
    ).toEqual([{ from_status: 'running', to_status: 'completed', at: NOW }]);
  });

  it('completes a running run with no deliveries at all (an empty audience)', async () => {
    const empty = await runWith([]);
    expect(await completeFinishedRuns(db.sql, NOW)).toEqual([empty]);
  });

  it('leaves a run with a delivery still queued, waiting or sending', async () => {
    for (const state of ['queued', 'waiting', 'sending'] as const) await runWith(['sent', state]);

    expect(await completeFinishedRuns(db.sql, NOW)).toEqual([]);
  });

  it('never completes a run still pending or expanding, even with no deliveries yet', async () => {
    const pending = await runWith([], { status: 'pending' });
    const expanding = await runWith(['sent'], { status: 'expanding' });

    expect(await completeFinishedRuns(db.sql, NOW)).toEqual([]);
    expect((await run(pending.runId)).status).toBe('pending');
    expect((await run(expanding.runId)).status).toBe('expanding');
  });

  it("leaves a reminder campaign's run running: new appointments keep arriving", async () => {
    const reminder = await runWith(['sent'], { kind: 'reminder' });

    expect(await completeFinishedRuns(db.sql, NOW)).toEqual([]);
    expect((await run(reminder.runId)).status).toBe('running');
  });

  it('completes each finished run once: a second pass finds nothing more', async () => {
    const a = await runWith(['sent']);
    const b = await runWith(['read']);
    await runWith(['queued']);

    const moved = await completeFinishedRuns(db.sql, NOW);

    expect(moved.map((m) => m.runId).sort()).toEqual([a.runId, b.runId].sort());
    expect(await completeFinishedRuns(db.sql, NOW)).toEqual([]);
  });
});
