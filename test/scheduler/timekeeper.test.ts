import { once } from 'node:events';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { pauseCampaign, resumeCampaign } from '../../src/campaigns/lifecycle.js';
import { ManualClock } from '../../src/clock.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertCampaign, insertContacts, insertList, insertRun, recordingLogger } from './seed.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = new Date('2026-03-02T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

interface RunRow {
  id: number;
  scheduled_for: Date;
  status: string;
  completed_at: Date | null;
}

describe('Timekeeper', () => {
  let db: TestDatabase;
  let clock: ManualClock;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`delete from campaigns`;
    await db.sql`delete from contacts`;
    clock = new ManualClock(T0);
  });

  function timekeeper(
    options: { sql?: postgres.Sql; logger?: ReturnType<typeof recordingLogger>['logger'] } = {},
  ) {
    return new Timekeeper({ sql: options.sql ?? db.sql, clock, logger: options.logger, expandBatchSize: 10 });
  }

  async function runsOf(campaignId: number): Promise<RunRow[]> {
    return db.sql<RunRow[]>`
      select id, scheduled_for, status, completed_at from campaign_runs
      where campaign_id = ${campaignId} order by scheduled_for`;
  }

  async function campaign(campaignId: number) {
    const [row] = await db.sql<{ status: string; status_reason: string | null; next_run_at: Date | null }[]>`
      select status, status_reason, next_run_at from campaigns where id = ${campaignId}`;
    return row!;
  }

  /** Two consenting contacts with good phones and one opted out, in a list. */
  async function smallList(): Promise<number> {
    const consent = new Date('2026-01-01T00:00:00.000Z');
    const ids = await insertContacts(db.sql, [
      { phone: '79990000001', opted_in_at: consent, opted_out_at: null },
      { phone: '79990000002', opted_in_at: consent, opted_out_at: null },
      { phone: '79990000003', opted_in_at: consent, opted_out_at: consent },
    ]);
    return insertList(db.sql, `list ${ids[0]}`, ids);
  }

  it('creates the run of a one-shot campaign exactly once, at its instant and not before', async () => {
    const listId = await smallList();
    const campaignId = await insertCampaign(db.sql, { listId, scheduleAt: at(HOUR) });
    const keeper = timekeeper();

    clock.set(at(HOUR - 1000));
    expect(await keeper.tick()).toEqual({
      runsCreated: 0,
      runsExpanded: 0,
      deliveriesMade: 0,
      deliveriesForgotten: 0,
      partitionsDropped: 0,
    });
    expect(await runsOf(campaignId)).toEqual([]);
    expect((await campaign(campaignId)).status).toBe('scheduled');

    clock.set(at(HOUR));
    expect(await keeper.tick()).toEqual({
      runsCreated: 1,
      runsExpanded: 1,
      deliveriesMade: 0,
      deliveriesForgotten: 0,
      partitionsDropped: 0,
    });
    clock.set(at(HOUR + 1000));
    expect(await keeper.tick()).toEqual({
      runsCreated: 0,
      runsExpanded: 0,
      deliveriesMade: 0,
      deliveriesForgotten: 0,
      partitionsDropped: 0,
    });
    clock.set(at(5 * HOUR));
    expect(await keeper.tick()).toEqual({
      runsCreated: 0,
      runsExpanded: 0,
      deliveriesMade: 0,
      deliveriesForgotten: 0,
      partitionsDropped: 0,
    });

    const runs = await runsOf(campaignId);
    expect(runs.map((run) => run.scheduled_for)).toEqual([at(HOUR)]);
    expect(await campaign(campaignId)).toEqual({ status: 'running', status_reason: null, next_run_at: null });
  });

  it('creates exactly one run per cron instant while two instances tick concurrently', async () => {
    const campaignId = await insertCampaign(db.sql, {
      scheduleCron: '* * * * *',
      timezone: 'UTC',
      nextRunAt: T0,
    });
    const otherSql = postgres(db.url, { max: 4, onnotice: () => {} });
    onTestFinished(() => otherSql.end({ timeout: 5 }));
    const first = timekeeper();
    const second = timekeeper({ sql: otherSql });
    const errors: Error[] = [];
    for (const keeper of [first, second]) keeper.on('error', (error) => errors.push(error));

    let created = 0;
    for (let minute = 0; minute < 20; minute++) {
      clock.set(at(minute * MINUTE + 30_000));
      const results = await Promise.all([first.tick(), second.tick(), first.tick(), second.tick()]);
      created += results.reduce((sum, result) => sum + result.runsCreated, 0);
    }

    const runs = await runsOf(campaignId);
    const expected = Array.from({ length: 20 }, (_, minute) => at(minute * MINUTE));
    expect(runs.map((run) => run.scheduled_for)).toEqual(expected);
    expect(created).toBe(20);
    expect(errors).toEqual([]); // no instance lost a race it should have skipped
    expect((await campaign(campaignId)).next_run_at).toEqual(at(20 * MINUTE));
  });

  it('after downtime, runs once for the latest missed instant and logs how many were skipped', async () => {
    const campaignId = await insertCampaign(db.sql, {
      scheduleCron: '0 * * * *',
      timezone: 'Europe/Moscow',
      nextRunAt: T0,
    });
    const { logger, lines } = recordingLogger();
    clock.set(at(5 * HOUR + 30 * MINUTE)); // 10:00 was due; the engine starts at 15:30

    expect((await timekeeper({ logger }).tick()).runsCreated).toBe(1);

    expect((await runsOf(campaignId)).map((run) => run.scheduled_for)).toEqual([at(5 * HOUR)]);
    expect((await campaign(campaignId)).next_run_at).toEqual(at(6 * HOUR));
    const skipped = lines.find((line) => line.skippedInstants !== undefined);
    expect(skipped).toMatchObject({ campaignId, skippedInstants: 5, level: 40 });
  });

  it('gives a paused campaign no runs, and skips the instants it missed when resumed', async () => {
    const campaignId = await insertCampaign(db.sql, {
      status: 'paused',
      scheduleCron: '0 * * * *',
      timezone: 'UTC',
      nextRunAt: T0,
    });
    const pendingRun = await insertRun(db.sql, campaignId, at(-HOUR));
    const keeper = timekeeper();

    for (const time of [at(0), at(HOUR), at(3 * HOUR + 30 * MINUTE)]) {
      clock.set(time);
      expect(await keeper.tick()).toEqual({
        runsCreated: 0,
        runsExpanded: 0,
        deliveriesMade: 0,
        deliveriesForgotten: 0,
        partitionsDropped: 0,
      });
    }
    expect(await campaign(campaignId)).toMatchObject({ status: 'paused', next_run_at: T0 });
    expect((await runsOf(campaignId)).map((run) => [run.id, run.status])).toEqual([[pendingRun, 'pending']]);

    await db.sql`update campaigns set status = 'running' where id = ${campaignId}`; // resume
    expect(await keeper.tick()).toEqual({
      runsCreated: 1,
      runsExpanded: 2,
      deliveriesMade: 0,
      deliveriesForgotten: 0,
      partitionsDropped: 0,
    });

    const runs = await runsOf(campaignId);
    expect(runs.map((run) => run.scheduled_for)).toEqual([at(-HOUR), at(3 * HOUR)]);
    expect((await campaign(campaignId)).next_run_at).toEqual(at(4 * HOUR));
  });

  describe('resuming a recurring campaign paused over its ticks (missedTicks)', () => {
    /** An hourly campaign paused at 10:30 after its 10:00 run, resumed at 13:30: 11, 12 and 13 missed. */
    async function pausedOverThreeTicks(definition: Record<string, unknown>): Promise<number> {
      const campaignId = await insertCampaign(db.sql, {
        scheduleCron: '0 * * * *',
        timezone: 'UTC',
        nextRunAt: T0,
        definition,
      });
      const keeper = timekeeper();
      expect((await keeper.tick()).runsCreated).toBe(1);
      clock.set(at(30 * MINUTE));
      await pauseCampaign(db.sql, campaignId, { now: clock.now() });
      for (const time of [at(HOUR), at(2 * HOUR), at(3 * HOUR + 30 * MINUTE)]) {
        clock.set(time);
        expect((await keeper.tick()).runsCreated).toBe(0);
      }
      return campaignId;
    }

    it('skips them by default: the next run is the next tick after the resume', async () => {
      const campaignId = await pausedOverThreeTicks({});
      const resumed = await resumeCampaign(db.sql, campaignId, { now: clock.now() });
      expect(resumed.missedTicks).toEqual({
        policy: 'skip',
        missed: 3,
        runsNow: null,
        nextRunAt: at(4 * HOUR),
        timezone: 'UTC',
      });

      const keeper = timekeeper();
      expect((await keeper.tick()).runsCreated).toBe(0);
      expect((await campaign(campaignId)).next_run_at).toEqual(at(4 * HOUR));
      clock.set(at(4 * HOUR));
      expect((await keeper.tick()).runsCreated).toBe(1);
      expect((await runsOf(campaignId)).map((run) => run.scheduled_for)).toEqual([T0, at(4 * HOUR)]);
    });

    it('with missedTicks: runLatest, runs the latest missed tick at once, and only that one', async () => {
      const campaignId = await pausedOverThreeTicks({ missedTicks: 'runLatest' });
      const resumed = await resumeCampaign(db.sql, campaignId, { now: clock.now() });
      expect(resumed.missedTicks).toEqual({
        policy: 'runLatest',
        missed: 3,
        runsNow: at(3 * HOUR),
        nextRunAt: at(4 * HOUR),
        timezone: 'UTC',
      });

      expect((await timekeeper().tick()).runsCreated).toBe(1);
      expect((await runsOf(campaignId)).map((run) => run.scheduled_for)).toEqual([T0, at(3 * HOUR)]);
      expect((await campaign(campaignId)).next_run_at).toEqual(at(4 * HOUR));
    });
  });

  it('gives cancelled, draft and completed campaigns no runs', async () => {
    const ids: number[] = [];
    for (const status of ['cancelled', 'draft', 'completed'] as const) {
      ids.push(await insertCampaign(db.sql, { status, scheduleAt: T0 }));
    }
    clock.set(at(HOUR));

    expect(await timekeeper().tick()).toEqual({
      runsCreated: 0,
      runsExpanded: 0,
      deliveriesMade: 0,
      deliveriesForgotten: 0,
      partitionsDropped: 0,
    });

    for (const id of ids) expect(await runsOf(id)).toEqual([]);
  });

  it('leaves reminder campaigns to the reminder scheduler: no runs, never completed here', async () => {
    const campaignId = await insertCampaign(db.sql, { kind: 'reminder', status: 'running', nextRunAt: T0 });
    const runId = await insertRun(db.sql, campaignId, T0, 'running');
    clock.set(at(HOUR));

    await timekeeper().tick();

    expect(await runsOf(campaignId)).toMatchObject([{ id: runId, status: 'running' }]);
    expect((await campaign(campaignId)).status).toBe('running');
  });

  it('expands the new run into deliveries on the tick that creates it', async () => {
    const listId = await smallList();
    const campaignId = await insertCampaign(db.sql, { listId, scheduleAt: T0 });

    expect(await timekeeper().tick()).toEqual({
      runsCreated: 1,
      runsExpanded: 1,
      deliveriesMade: 0,
      deliveriesForgotten: 0,
      partitionsDropped: 0,
    });

    const [run] = await runsOf(campaignId);
    expect(run?.status).toBe('running');
    const deliveries = await db.sql`
      select state, reason, due_at from deliveries where run_id = ${run!.id} order by contact_id`;
    expect(deliveries).toEqual([
      { state: 'queued', reason: null, due_at: T0 },
      { state: 'queued', reason: null, due_at: T0 },
      { state: 'skipped', reason: 'opted_out', due_at: T0 },
    ]);
  });

  it('completes a run once its deliveries are final, and then the one-shot campaign', async () => {
    const listId = await smallList();
    const campaignId = await insertCampaign(db.sql, { listId, scheduleAt: T0 });
    const keeper = timekeeper();
    await keeper.tick();
    const [run] = await runsOf(campaignId);
    const deliveries = await db.sql<{ id: string }[]>`
      select id from deliveries where run_id = ${run!.id} and state = 'queued' order by id`;

    // One sent, one still being sent: the run goes on.
    await db.sql`update deliveries set state = 'sent' where id = ${deliveries[0]!.id}`;
    await db.sql`update deliveries set state = 'sending' where id = ${deliveries[1]!.id}`;
    clock.set(at(MINUTE));
    await keeper.tick();
    expect((await runsOf(campaignId))[0]?.status).toBe('running');
    expect((await campaign(campaignId)).status).toBe('running');

    await db.sql`update deliveries set state = 'failed', reason = 'undeliverable' where id = ${deliveries[1]!.id}`;
    clock.set(at(2 * MINUTE));
    await keeper.tick();

    expect(await runsOf(campaignId)).toMatchObject([{ status: 'completed', completed_at: at(2 * MINUTE) }]);
    expect(await campaign(campaignId)).toEqual({
      status: 'completed',
      status_reason: null,
      next_run_at: null,
    });
  });

  it('keeps a cron campaign running after its run completes: it has a next run', async () => {
    const campaignId = await insertCampaign(db.sql, {
      scheduleCron: '0 * * * *',
      timezone: 'UTC',
      nextRunAt: T0,
    });

    await timekeeper().tick(); // no contacts: the run has nothing to send

    expect(await runsOf(campaignId)).toMatchObject([{ status: 'completed' }]);
    expect(await campaign(campaignId)).toMatchObject({ status: 'running', next_run_at: at(HOUR) });
  });

  it('does not complete a paused campaign whose runs are done', async () => {
    const campaignId = await insertCampaign(db.sql, { status: 'paused', scheduleAt: T0, nextRunAt: null });
    await insertRun(db.sql, campaignId, T0, 'completed');

    await timekeeper().tick();

    expect((await campaign(campaignId)).status).toBe('paused');
  });

  it('ticks every second once started, until stopped', async () => {
    const campaignId = await insertCampaign(db.sql, { scheduleAt: T0 });
    const keeper = timekeeper();
    const ticked = once(keeper, 'tick');

    keeper.start();
    const [result] = await ticked;
    await keeper.stop();

    expect(result).toMatchObject({ runsCreated: 1 });
    expect(await runsOf(campaignId)).toHaveLength(1);
  });

  it('logs and emits a failing background tick instead of throwing it', async () => {
    const closed = postgres(db.url, { max: 1, onnotice: () => {} });
    await closed.end();
    const { logger, lines } = recordingLogger();
    const keeper = timekeeper({ sql: closed, logger });
    const failed = once(keeper, 'error');

    keeper.start();
    const [error] = await failed;
    await keeper.stop();

    expect(error).toBeInstanceOf(Error);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'timekeeper tick failed' }));
  });

  it('only logs a failing background tick when nobody listens for errors', async () => {
    const closed = postgres(db.url, { max: 1, onnotice: () => {} });
    await closed.end();
    const { logger, lines } = recordingLogger();
    const keeper = timekeeper({ sql: closed, logger });

    keeper.start();
    await vi.waitFor(() => expect(lines.some((line) => line.msg === 'timekeeper tick failed')).toBe(true), {
      timeout: 10_000,
      interval: 50,
    });
    await keeper.stop();
  });
});
