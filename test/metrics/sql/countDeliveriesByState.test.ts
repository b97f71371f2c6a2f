import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES } from '../../../src/delivery/states.js';
import { countDeliveriesByState } from '../../../src/metrics/sql/countDeliveriesByState.js';
import {
  insertCampaign,
  insertDelivery,
  insertRun,
  useTestDatabasePerFile,
} from '../../reports/seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';

const db = useTestDatabasePerFile();

describe('countDeliveriesByState', () => {
  it('gives every state at zero when there are no deliveries', async () => {
    const counts = await countDeliveriesByState(db.sql);

    expect(Object.keys(counts)).toEqual([...DELIVERY_STATES]);
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });

  it('counts over every campaign, whatever its status, keeping the states with none at zero', async () => {
    const running = await insertCampaign(db.sql, { name: 'running', transport: 'viber' });
    const paused = await insertCampaign(db.sql, { name: 'paused', transport: 'viber', status: 'paused' });
    const runA = await insertRun(db.sql, running, DUE);
    const runB = await insertRun(db.sql, paused, DUE);
    await insertDelivery(db.sql, running, runA, { phone: '79005550001', state: 'queued', dueAt: DUE });
    await insertDelivery(db.sql, running, runA, { phone: '79005550002', state: 'sent', dueAt: DUE });
    await insertDelivery(db.sql, paused, runB, { phone: '79005550003', state: 'queued', dueAt: DUE });
    await insertDelivery(db.sql, paused, runB, {
      phone: '79005550004',
      state: 'failed',
      reason: 'undeliverable',
      dueAt: DUE,
    });

    const counts = await countDeliveriesByState(db.sql);

    expect(counts).toEqual({
      ...Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])),
      queued: 2,
      sent: 1,
      failed: 1,
    });
    expect(typeof counts.queued).toBe('number');
  });
});
