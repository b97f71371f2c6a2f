import { describe, expect, it } from 'vitest';
import { completeFinishedCampaigns } from '../../src/scheduler/completeFinishedCampaigns.js';
import { START } from '../support/engineHarness.js';
import { type CampaignSeed, insertCampaign, insertRun, useTestDatabasePerTest } from './seed.js';

const NOW = new Date(START.getTime() + 3_600_000);

type RunStatus = 'pending' | 'expanding' | 'running' | 'completed' | 'cancelled';

const db = useTestDatabasePerTest();

/** A campaign (a running one-shot broadcast after its run, by default) with runs in the statuses given. */
async function campaignWith(runs: RunStatus[], seed: CampaignSeed = {}): Promise<number> {
  const id = await insertCampaign(db.sql, { status: 'running', nextRunAt: null, ...seed });
  for (const [i, status] of runs.entries())
    await insertRun(db.sql, id, new Date(START.getTime() + i * 60_000), status);
  return id;
}

async function campaign(id: number) {
  const [row] = await db.sql<{ status: string; status_reason: string | null; updated_at: Date }[]>`
    select status, status_reason, updated_at from campaigns where id = ${id}`;
  return row!;
}

describe('completeFinishedCampaigns', () => {
  it('completes a running broadcast with no next run and every run over, logging the move', async () => {
    const id = await campaignWith(['completed', 'cancelled']);

    expect(await completeFinishedCampaigns(db.sql, NOW)).toEqual([id]);

    expect(await campaign(id)).toEqual({ status: 'completed', status_reason: null, updated_at: NOW });
    expect(
      await db.sql`select from_status, to_status, at from campaign_events where campaign_id = ${id}`,
    ).toEqual([{ from_status: 'running', to_status: 'completed', at: NOW }]);
  });

  it('leaves a campaign with a run still pending, expanding or running', async () => {
    for (const open of ['pending', 'expanding', 'running'] as const) await campaignWith(['completed', open]);

    expect(await completeFinishedCampaigns(db.sql, NOW)).toEqual([]);
  });

  it('leaves a broadcast with a next run to come (a cron), even with every run over', async () => {
    const id = await campaignWith(['completed'], {
      scheduleCron: '0 9 * * *',
      timezone: 'UTC',
      nextRunAt: NOW,
    });

    expect(await completeFinishedCampaigns(db.sql, NOW)).toEqual([]);
    expect((await campaign(id)).status).toBe('running');
  });

  it('completes only from running: a paused or scheduled campaign waits', async () => {
    const paused = await campaignWith(['completed'], { status: 'paused' });
    const scheduled = await campaignWith([], { status: 'scheduled' });

    expect(await completeFinishedCampaigns(db.sql, NOW)).toEqual([]);
    expect((await campaign(paused)).status).toBe('paused');
    expect((await campaign(scheduled)).status).toBe('scheduled');
  });

  it('never completes a reminder campaign: new appointments keep arriving', async () => {
    const reminder = await campaignWith(['completed'], { kind: 'reminder' });

    expect(await completeFinishedCampaigns(db.sql, NOW)).toEqual([]);
    expect((await campaign(reminder)).status).toBe('running');
  });

  it('completes every finished campaign in one pass, and none again on the next', async () => {
    const a = await campaignWith(['completed']);
    const b = await campaignWith(['cancelled']);
    await campaignWith(['running']);

    expect((await completeFinishedCampaigns(db.sql, NOW)).sort()).toEqual([a, b].sort());
    expect(await completeFinishedCampaigns(db.sql, NOW)).toEqual([]);
  });
});
