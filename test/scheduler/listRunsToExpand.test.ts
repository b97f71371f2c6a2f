import { describe, expect, it } from 'vitest';
import { listRunsToExpand } from '../../src/scheduler/listRunsToExpand.js';
import { START } from '../support/engineHarness.js';
import { insertCampaign, insertRun, useTestDatabasePerTest } from './seed.js';

const HOUR = 3_600_000;
const at = (ms: number) => new Date(START.getTime() + ms);

const db = useTestDatabasePerTest();

describe('listRunsToExpand', () => {
  it('lists nothing when there are no runs', async () => {
    expect(await listRunsToExpand(db.sql)).toEqual([]);
  });

  it('lists pending runs and runs left expanding (after a crash) of running broadcasts, earliest first', async () => {
    const campaign = await insertCampaign(db.sql, { status: 'running' });
    const later = await insertRun(db.sql, campaign, at(2 * HOUR), 'pending');
    const crashed = await insertRun(db.sql, campaign, at(HOUR), 'expanding');
    const other = await insertCampaign(db.sql, { status: 'running' });
    const earliest = await insertRun(db.sql, other, START, 'pending');

    expect(await listRunsToExpand(db.sql)).toEqual([earliest, crashed, later]);
  });

  it('orders runs of the same instant by id', async () => {
    const a = await insertRun(db.sql, await insertCampaign(db.sql, { status: 'running' }), START);
    const b = await insertRun(db.sql, await insertCampaign(db.sql, { status: 'running' }), START);

    expect(await listRunsToExpand(db.sql)).toEqual([a, b]);
  });

  it('leaves out runs already expanded, completed or cancelled', async () => {
    const campaign = await insertCampaign(db.sql, { status: 'running' });
    await insertRun(db.sql, campaign, START, 'running');
    await insertRun(db.sql, campaign, at(HOUR), 'completed');
    await insertRun(db.sql, campaign, at(2 * HOUR), 'cancelled');

    expect(await listRunsToExpand(db.sql)).toEqual([]);
  });

  it('leaves out the runs of campaigns that are not running: a paused one waits for its resume', async () => {
    for (const status of ['scheduled', 'paused', 'completed', 'cancelled'] as const) {
      await insertRun(db.sql, await insertCampaign(db.sql, { status }), START);
    }

    expect(await listRunsToExpand(db.sql)).toEqual([]);
  });

  it('leaves out the runs of reminder campaigns', async () => {
    await insertRun(db.sql, await insertCampaign(db.sql, { kind: 'reminder', status: 'running' }), START);

    expect(await listRunsToExpand(db.sql)).toEqual([]);
  });
});
