import { describe, expect, it } from 'vitest';
import { listDueCampaigns } from '../../src/scheduler/listDueCampaigns.js';
import { START } from '../support/engineHarness.js';
import { insertCampaign, useTestDatabasePerTest } from './seed.js';

const MINUTE = 60_000;
const at = (ms: number) => new Date(START.getTime() + ms);

const db = useTestDatabasePerTest();

describe('listDueCampaigns', () => {
  it('lists nothing when no campaign exists', async () => {
    expect(await listDueCampaigns(db.sql, START)).toEqual([]);
  });

  it('lists scheduled and running broadcasts whose next run is due, up to and including now', async () => {
    const scheduled = await insertCampaign(db.sql, { nextRunAt: at(-MINUTE) });
    const running = await insertCampaign(db.sql, { status: 'running', nextRunAt: START });
    await insertCampaign(db.sql, { nextRunAt: at(1) });

    expect((await listDueCampaigns(db.sql, START)).sort()).toEqual([scheduled, running].sort());
  });

  it('lists the longest overdue first, then by id', async () => {
    const later = await insertCampaign(db.sql, { nextRunAt: at(-MINUTE) });
    const earliest = await insertCampaign(db.sql, { nextRunAt: at(-10 * MINUTE) });
    const sameAsLater = await insertCampaign(db.sql, { nextRunAt: at(-MINUTE) });

    expect(await listDueCampaigns(db.sql, START)).toEqual([earliest, later, sameAsLater]);
  });

  it('never lists draft, paused, completed or cancelled campaigns, however overdue', async () => {
    for (const status of ['draft', 'paused', 'completed', 'cancelled'] as const) {
      await insertCampaign(db.sql, { status, nextRunAt: at(-60 * MINUTE) });
    }

    expect(await listDueCampaigns(db.sql, START)).toEqual([]);
  });

  it('never lists a reminder campaign, nor a campaign with no next run', async () => {
    await insertCampaign(db.sql, { kind: 'reminder', status: 'running', nextRunAt: at(-MINUTE) });
    await insertCampaign(db.sql, { status: 'running', nextRunAt: null });

    expect(await listDueCampaigns(db.sql, START)).toEqual([]);
  });
});
