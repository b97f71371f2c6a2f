import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDueRun } from '../../src/scheduler/createDueRun.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { insertCampaign, insertRun } from './seed.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (ms: number) => new Date(START.getTime() + ms);

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

async function campaign(id: number) {
  const [row] = await db.sql<{ status: string; next_run_at: Date | null }[]>`
    select status, next_run_at from campaigns where id = ${id}`;
  return row!;
}

async function runs(campaignId: number) {
  return db.sql<{ id: number; scheduled_for: Date; status: string }[]>`
    select id, scheduled_for, status from campaign_runs where campaign_id = ${campaignId} order by scheduled_for`;
}

async function campaignEvents(campaignId: number): Promise<string[]> {
  const rows = await db.sql<{ from_status: string; to_status: string }[]>`
    select from_status, to_status from campaign_events where campaign_id = ${campaignId} order by id`;
  return rows.map((r) => `${r.from_status}->${r.to_status}`);
}

describe('createDueRun', () => {
  it('turns a one-off campaign that is due into its one run, and starts the campaign', async () => {
    const id = await insertCampaign(db.sql, { scheduleAt: START });

    const due = await createDueRun(db.sql, id, at(30_000));

    const [run] = await runs(id);
    expect(due).toEqual({
      campaignId: id,
      runId: run!.id,
      scheduledFor: START,
      skippedInstants: 0,
      nextRunAt: null,
    });
    expect(run).toMatchObject({ scheduled_for: START, status: 'pending' });
    expect(await campaign(id)).toEqual({ status: 'running', next_run_at: null });
    expect(await campaignEvents(id)).toEqual(['scheduled->running']);
  });

  it('does nothing for a campaign not due yet', async () => {
    const id = await insertCampaign(db.sql, { scheduleAt: at(MINUTE) });

    expect(await createDueRun(db.sql, id, at(MINUTE - 1))).toBeUndefined();

    expect(await runs(id)).toEqual([]);
    expect(await campaign(id)).toEqual({ status: 'scheduled', next_run_at: at(MINUTE) });
  });

  it('does nothing for a campaign that is paused, a draft, finished, a reminder campaign or unknown', async () => {
    const ids = [
      await insertCampaign(db.sql, { scheduleAt: START, status: 'paused' }),
      await insertCampaign(db.sql, { scheduleAt: START, status: 'draft' }),
      await insertCampaign(db.sql, { scheduleAt: START, status: 'completed' }),
      await insertCampaign(db.sql, { scheduleAt: START, status: 'cancelled' }),
      await insertCampaign(db.sql, { scheduleAt: START, kind: 'reminder' }),
    ];

    for (const id of [...ids, 999_999])
      expect(await createDueRun(db.sql, id, at(HOUR)), String(id)).toBeUndefined();

    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from campaign_runs`;
    expect(count!.n).toBe(0);
  });

  it('runs a recurring campaign at its instant and sets the next one; the campaign keeps running', async () => {
    const id = await insertCampaign(db.sql, {
      status: 'running',
      scheduleCron: '0 * * * *',
      timezone: 'UTC',
      nextRunAt: START,
    });

    const due = await createDueRun(db.sql, id, at(5 * MINUTE));

    expect(due).toMatchObject({ scheduledFor: START, skippedInstants: 0, nextRunAt: at(HOUR) });
    expect(due?.runId).toEqual(expect.any(Number));
    expect(await campaign(id)).toEqual({ status: 'running', next_run_at: at(HOUR) });
    expect(await campaignEvents(id)).toEqual([]);
    // Asked again at once: the instant is done.
    expect(await createDueRun(db.sql, id, at(6 * MINUTE))).toBeUndefined();
    expect(await runs(id)).toHaveLength(1);
  });

  it('after missed instants runs only the latest, counting the ones passed over', async () => {
    const id = await insertCampaign(db.sql, {
      scheduleCron: '0 * * * *',
      timezone: 'UTC',
      nextRunAt: START,
    });

    // Down from 07:00 to 10:30: 07:00, 08:00 and 09:00 are passed over; 10:00 runs.
    const due = await createDueRun(db.sql, id, at(3 * HOUR + 30 * MINUTE));

    expect(due).toMatchObject({ scheduledFor: at(3 * HOUR), skippedInstants: 3, nextRunAt: at(4 * HOUR) });
    expect((await runs(id)).map((r) => r.scheduled_for)).toEqual([at(3 * HOUR)]);
  });

  it('creates no second run for an instant that has one, and still moves on to the next instant', async () => {
    const id = await insertCampaign(db.sql, {
      status: 'running',
      scheduleCron: '0 * * * *',
      timezone: 'UTC',
      nextRunAt: START,
    });
    const existing = await insertRun(db.sql, id, START, 'completed');

    const due = await createDueRun(db.sql, id, at(MINUTE));

    expect(due).toMatchObject({ runId: null, scheduledFor: START, nextRunAt: at(HOUR) });
    expect((await runs(id)).map((r) => r.id)).toEqual([existing]);
    expect((await campaign(id)).next_run_at).toEqual(at(HOUR));
  });

  it('makes one run however many instances ask at the same moment', async () => {
    const id = await insertCampaign(db.sql, { scheduleAt: START });

    const outcomes = await Promise.all(Array.from({ length: 4 }, () => createDueRun(db.sql, id, at(MINUTE))));

    expect(outcomes.filter((o) => o !== undefined)).toHaveLength(1);
    expect(await runs(id)).toHaveLength(1);
    expect(await campaignEvents(id)).toEqual(['scheduled->running']);
  });
});
