import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRunAfter } from '../../src/campaigns/schedule.js';
import { ManualClock } from '../../src/clock.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertCampaign } from './seed.js';

const MINUTE = 60_000;

describe('Timekeeper: daily cron campaigns in America/New_York across DST changes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Ticks every 15 minutes from `from` to `until` and returns the instants of the campaign's runs. */
  async function runInstants(cron: string, from: string, until: string): Promise<string[]> {
    const clock = new ManualClock(from);
    const schedule = { cron, timezone: 'America/New_York' };
    const campaignId = await insertCampaign(db.sql, {
      scheduleCron: cron,
      timezone: 'America/New_York',
      nextRunAt: nextRunAfter(schedule, clock.now()),
    });
    const timekeeper = new Timekeeper({ sql: db.sql, clock });
    while (clock.now() < new Date(until)) {
      await timekeeper.tick();
      clock.advance(15 * MINUTE);
    }
    const runs = await db.sql<{ scheduled_for: Date }[]>`
      select scheduled_for from campaign_runs where campaign_id = ${campaignId} order by scheduled_for`;
    return runs.map((r) => r.scheduled_for.toISOString());
  }

  it('ticks `0 9 * * *` at 13:00Z before the fall-back, 14:00Z after it, and once on 2026-11-01 itself', async () => {
    expect(await runInstants('0 9 * * *', '2026-10-30T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-30T13:00:00.000Z',
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
    ]);
  });

  it('ticks `30 1 * * *` once on the fall-back night, at the first 01:30 (EDT)', async () => {
    expect(await runInstants('30 1 * * *', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('ticks `0 9 * * *` at 14:00Z before the spring-forward and 13:00Z from 2026-03-08 on', async () => {
    expect(await runInstants('0 9 * * *', '2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('skips `30 2 * * *` on 2026-03-08, when 02:30 does not exist in New York, as cron does', async () => {
    expect(await runInstants('30 2 * * *', '2026-03-06T00:00:00Z', '2026-03-10T12:00:00Z')).toEqual([
      '2026-03-06T07:30:00.000Z',
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });
});
