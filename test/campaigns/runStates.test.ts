import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRunTransitionError,
  moveRunsTo,
  OPEN_RUN_STATUSES,
  RUN_STATUSES,
  RUN_TRANSITIONS,
  type RunStatus,
} from '../../src/campaigns/runStates.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const now = new Date('2026-11-27T07:00:00Z');

describe('the run transition table', () => {
  it('takes a run from pending through expanding and running to completed, one step at a time', () => {
    expect(RUN_TRANSITIONS.pending).toEqual(['expanding', 'cancelled']);
    expect(RUN_TRANSITIONS.expanding).toEqual(['running', 'cancelled']);
    expect(RUN_TRANSITIONS.running).toEqual(['completed', 'cancelled']);
  });

  it('lets a cancel end exactly the open runs, and nothing leave an ended one', () => {
    for (const status of RUN_STATUSES) {
      const open = (OPEN_RUN_STATUSES as readonly RunStatus[]).includes(status);
      expect(RUN_TRANSITIONS[status].includes('cancelled'), status).toBe(open);
      if (!open) expect(RUN_TRANSITIONS[status], status).toEqual([]);
    }
    expect([...OPEN_RUN_STATUSES]).toEqual(['pending', 'expanding', 'running']);
  });

  it('names only known statuses', () => {
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual([...RUN_STATUSES].sort());
    for (const targets of Object.values(RUN_TRANSITIONS)) {
      for (const to of targets) expect(RUN_STATUSES).toContain(to);
    }
  });
});

describe('InvalidRunTransitionError', () => {
  it('names both statuses', () => {
    const error = new InvalidRunTransitionError('completed', 'running');
    expect(error).toMatchObject({
      code: 'invalid_run_transition',
      message: 'a campaign run cannot go from completed to running',
      details: { from: 'completed', to: 'running' },
    });
  });
});

describe('moveRunsTo', () => {
  let db: TestDatabase;
  let sequence = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  async function insertRun(status: RunStatus): Promise<{ id: number; campaignId: number }> {
    sequence += 1;
    const [campaign] = await db.sql<{ id: number }[]>`
      insert into campaigns (name, kind, status, transport, definition, template_source)
      values (${`runs ${sequence}`}, 'broadcast', 'running', 'sms', '{}', 'Hi') returning id`;
    const [run] = await db.sql<{ id: number }[]>`
      insert into campaign_runs (campaign_id, scheduled_for, status)
      values (${campaign!.id}, ${new Date(now.getTime() - sequence * 1000)}, ${status}) returning id`;
    return { id: run!.id, campaignId: campaign!.id };
  }

  async function statusOf(id: number): Promise<string> {
    const [row] = await db.sql<{ status: string }[]>`select status from campaign_runs where id = ${id}`;
    return row!.status;
  }

  it('refuses an edge of `from` that is not in the table before touching any run', async () => {
    const run = await insertRun('completed');
    const error = await moveRunsTo(db.sql, 'running', { ids: [run.id] }, { now, from: ['completed'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidRunTransitionError);
    expect((error as Error).message).toBe('a campaign run cannot go from completed to running');
    expect(await statusOf(run.id)).toBe('completed');
  });

  it('moves only the runs in a status of `from`, recording the reason and the time of the move', async () => {
    const pending = await insertRun('pending');
    const running = await insertRun('running');
    const moved = await moveRunsTo(
      db.sql,
      'cancelled',
      { ids: [pending.id, running.id] },
      { now, from: ['running'], reason: 'cancelled by test' },
    );
    expect(moved).toEqual([{ id: running.id, campaignId: running.campaignId, from: 'running' }]);
    expect([await statusOf(pending.id), await statusOf(running.id)]).toEqual(['pending', 'cancelled']);
    const events = await db.sql<{ run_id: number; from_status: string; to_status: string; reason: string }[]>`
      select run_id, from_status, to_status, reason from campaign_run_events
      where run_id = any(${[pending.id, running.id]}::int[])`;
    expect(events).toEqual([
      { run_id: running.id, from_status: 'running', to_status: 'cancelled', reason: 'cancelled by test' },
    ]);
  });

  it('stamps the time a run entered running and completed', async () => {
    const run = await insertRun('expanding');
    await moveRunsTo(db.sql, 'running', { ids: [run.id] }, { now });
    const later = new Date(now.getTime() + 60_000);
    await moveRunsTo(db.sql, 'completed', { ids: [run.id] }, { now: later });
    const [row] = await db.sql<{ expanded_at: Date; completed_at: Date }[]>`
      select expanded_at, completed_at from campaign_runs where id = ${run.id}`;
    expect(row).toEqual({ expanded_at: now, completed_at: later });
  });
});
