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

  it('stays exact past the counting step: from the kept counts, or counted in full when both sides are long', async () => {
    const seed = async (home: { id: number; run: number }, prefix: string, minutesEach: number[]) => {
      for (const [i, m] of minutesEach.entries()) {
        await insertDelivery(db.sql, home.id, home.run, {
          phone: `${prefix}${String(i).padStart(2, '0')}`,
          state: i % 2 === 0 ? 'queued' : 'waiting',
          dueAt: minutesAgo(m),
        });
      }
    };
    // 5 due and 1 ahead: the due ones past the step, the ones ahead under it (kept count 6 − 1).
    const backlog = await campaignWithRun();
    await seed(backlog, '790066610', [50, 40, 30, 20, 10, -10]);
    // 3 due and 3 ahead: both past the step, counted in full.
    const both = await campaignWithRun();
    await seed(both, '790066620', [15, 25, 35, -5, -15, -25]);
    // 1 due: under the step.
    const small = await campaignWithRun();
    await seed(small, '790066630', [60]);

    expect(await readDueQueue(db.sql, NOW, { step: 2 })).toEqual({
      depth: 9,
      oldestDueAt: new Date(minutesAgo(60)),
    });
    expect(await readDueQueue(db.sql, NOW)).toEqual({ depth: 9, oldestDueAt: new Date(minutesAgo(60)) });
  });
});
