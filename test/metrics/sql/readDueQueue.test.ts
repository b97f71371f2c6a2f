import { describe, expect, it } from 'vitest';
import { readDueQueue } from '../../../src/metrics/sql/readDueQueue.js';
import { insertCampaign, insertDelivery, insertRun } from '../../reports/seedReport.js';
import { useTestDatabasePerTest } from '../../scheduler/seed.js';

const NOW = new Date('2026-11-27T10:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

const db = useTestDatabasePerTest();

async function campaignWithRun(status = 'running'): Promise<{ id: number; run: number }> {
  const id = await insertCampaign(db.sql, { name: status, transport: 'sms', status });
  return { id, run: await insertRun(db.sql, id, minutesAgo(60)) };
}

describe('readDueQueue', () => {
  it('is empty, with no oldest, when nothing is due', async () => {
    expect(await readDueQueue(db.sql, NOW)).toEqual({ depth: 0, oldestDueAt: null });
  });

  it('counts queued and waiting deliveries of running campaigns that are due, and gives the earliest', async () => {
    const { id, run } = await campaignWithRun();
    await insertDelivery(db.sql, id, run, { phone: '79006660001', state: 'queued', dueAt: minutesAgo(5) });
    await insertDelivery(db.sql, id, run, { phone: '79006660002', state: 'waiting', dueAt: minutesAgo(12) });
    await insertDelivery(db.sql, id, run, {
      phone: '79006660003',
      state: 'queued',
      dueAt: NOW.toISOString(),
    });

    expect(await readDueQueue(db.sql, NOW)).toEqual({ depth: 3, oldestDueAt: new Date(minutesAgo(12)) });
  });

  it('leaves out deliveries not due yet and those already taken or done', async () => {
    const { id, run } = await campaignWithRun();
    await insertDelivery(db.sql, id, run, { phone: '79006660011', state: 'queued', dueAt: minutesAgo(-1) });
    await insertDelivery(db.sql, id, run, { phone: '79006660012', state: 'sending', dueAt: minutesAgo(30) });
    await insertDelivery(db.sql, id, run, { phone: '79006660013', state: 'sent', dueAt: minutesAgo(30) });
    await insertDelivery(db.sql, id, run, { phone: '79006660014', state: 'queued', dueAt: minutesAgo(2) });

    expect(await readDueQueue(db.sql, NOW)).toEqual({ depth: 1, oldestDueAt: new Date(minutesAgo(2)) });
  });

  it('leaves out the due deliveries of paused and scheduled campaigns, which wait on purpose', async () => {
    for (const status of ['paused', 'scheduled']) {
      const { id, run } = await campaignWithRun(status);
      await insertDelivery(db.sql, id, run, {
        phone: `7900666${status === 'paused' ? '0021' : '0022'}`,
        state: 'queued',
        dueAt: minutesAgo(90),
      });
    }

    expect(await readDueQueue(db.sql, NOW)).toEqual({ depth: 0, oldestDueAt: null });
  });
});
