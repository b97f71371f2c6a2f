import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CampaignDefinitionError,
  CampaignNotFoundError,
  InvalidCampaignTransitionError,
} from '../../src/campaigns/errors.js';
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_TRANSITIONS,
  type CampaignStatus,
  cancelCampaign,
  changeCampaignStatus,
  pauseCampaign,
  publishCampaign,
  resumeCampaign,
} from '../../src/campaigns/lifecycle.js';
import type { DeliveryState } from '../../src/delivery/states.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const now = new Date('2026-11-27T07:00:00Z');
let phoneCounter = 0;

async function insertCampaign(
  status: CampaignStatus,
  fields: {
    kind?: 'broadcast' | 'reminder';
    scheduleAt?: Date;
    scheduleCron?: string;
    timezone?: string;
    /** Default: a tick still ahead. */
    nextRunAt?: Date | null;
  } = {},
): Promise<number> {
  const nextRunAt = fields.nextRunAt === undefined ? new Date('2026-12-01T00:00:00Z') : fields.nextRunAt;
  const [row] = await db.sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, definition, template_source, schedule_at, schedule_cron,
                           timezone, next_run_at)
    values ('test', ${fields.kind ?? 'broadcast'}, ${status}, 'whatsapp', '{}', 'Hi',
            ${fields.scheduleAt ?? null}, ${fields.scheduleCron ?? null}, ${fields.timezone ?? null}, ${nextRunAt})
    returning id`;
  return row?.id as number;
}

async function insertRun(
  campaignId: number,
  status: string,
  scheduledFor = new Date(now.getTime() + Math.random() * 1e9),
) {
  const [row] = await db.sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for, status) values (${campaignId}, ${scheduledFor}, ${status})
    returning id`;
  return row?.id as number;
}

async function insertDelivery(runId: number, campaignId: number, state: DeliveryState): Promise<string> {
  phoneCounter += 1;
  const [contact] = await db.sql<{ id: number }[]>`
    insert into contacts (phone) values (${String(79990000000 + phoneCounter)}) returning id`;
  const reason = state === 'failed' || state === 'skipped' ? 'earlier' : null;
  const [row] = await db.sql<{ id: string }[]>`
    insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport)
    values (${runId}, ${campaignId}, ${contact?.id as number}, ${state}, ${reason}, ${now}, ${now}, 'whatsapp')
    returning id`;
  return row?.id as string;
}

async function statusOf(campaignId: number) {
  const [row] = await db.sql<{ status: CampaignStatus; status_reason: string | null; updated_at: Date }[]>`
    select status, status_reason, updated_at from campaigns where id = ${campaignId}`;
  return row;
}

async function deliveriesOf(campaignId: number) {
  return db.sql<{ id: string; state: DeliveryState; reason: string | null; skipped_at: Date | null }[]>`
    select id, state, reason, skipped_at from deliveries where campaign_id = ${campaignId} order by id`;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('changeCampaignStatus', () => {
  it('allows exactly the transitions of the state machine', async () => {
    for (const from of CAMPAIGN_STATUSES) {
      for (const to of CAMPAIGN_STATUSES) {
        const id = await insertCampaign(from);
        const allowed = CAMPAIGN_TRANSITIONS[from].includes(to);
        const outcome = await changeCampaignStatus(db.sql, id, to, { now }).then(
          (change) => change,
          (error: unknown) => error,
        );
        if (allowed) expect(outcome, `${from} -> ${to}`).toEqual({ from, to });
        else expect(outcome, `${from} -> ${to}`).toBeInstanceOf(InvalidCampaignTransitionError);
        expect((await statusOf(id))?.status).toBe(allowed ? to : from);
      }
    }
  });

  it('writes down the changes the product needs: draft→scheduled, pause and resume, completion, cancellation', () => {
    expect(CAMPAIGN_TRANSITIONS).toEqual({
      draft: ['scheduled', 'cancelled'],
      scheduled: ['running', 'paused', 'cancelled', 'completed'],
      running: ['paused', 'completed', 'cancelled'],
      paused: ['running', 'scheduled', 'cancelled'],
      completed: [],
      cancelled: [],
    });
  });

  it('records the reason and the time of the change', async () => {
    const id = await insertCampaign('running');
    await changeCampaignStatus(db.sql, id, 'paused', { reason: 'quota_guard', now });
    expect(await statusOf(id)).toEqual({ status: 'paused', status_reason: 'quota_guard', updated_at: now });
    await changeCampaignStatus(db.sql, id, 'running', { now });
    expect((await statusOf(id))?.status_reason).toBeNull();
  });

  it('says which campaign, from where and to where when the change is not allowed', async () => {
    const id = await insertCampaign('completed');
    const error = await errorOf(changeCampaignStatus(db.sql, id, 'running', { now }));
    expect(error).toBeInstanceOf(InvalidCampaignTransitionError);
    expect(error).toMatchObject({
      campaignId: id,
      from: 'completed',
      to: 'running',
      code: 'campaign_transition_invalid',
    });
  });

  it('says when the campaign does not exist', async () => {
    const error = await errorOf(changeCampaignStatus(db.sql, 999_999, 'paused', { now }));
    expect(error).toBeInstanceOf(CampaignNotFoundError);
    expect(error).toMatchObject({ campaignId: 999_999 });
  });

  it('lets only one of two simultaneous pauses win', async () => {
    const id = await insertCampaign('running');
    const outcomes = await Promise.allSettled([
      pauseCampaign(db.sql, id, { now }),
      pauseCampaign(db.sql, id, { now }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ from: 'paused', to: 'paused' });
    expect(rejected.reason.message).toBe(`campaign ${id} is already paused`);
  });
});

describe('pauseCampaign', () => {
  it('leaves deliveries as they are: workers check the status when they claim', async () => {
    const id = await insertCampaign('running');
    const run = await insertRun(id, 'running');
    await insertDelivery(run, id, 'queued');
    await insertDelivery(run, id, 'waiting');
    const before = await deliveriesOf(id);
    expect(await pauseCampaign(db.sql, id, { now })).toEqual({ from: 'running', to: 'paused' });
    expect(await deliveriesOf(id)).toEqual(before);
  });
});

describe('resumeCampaign', () => {
  it('goes back to running when a run is still under way', async () => {
    const id = await insertCampaign('paused');
    await insertRun(id, 'completed');
    await insertRun(id, 'running');
    expect(await resumeCampaign(db.sql, id, { now })).toEqual({
      from: 'paused',
      to: 'running',
      missedTicks: null,
    });
  });

  it('goes back to scheduled when no run is under way, to wait for the next tick', async () => {
    const id = await insertCampaign('paused');
    await insertRun(id, 'completed');
    expect(await resumeCampaign(db.sql, id, { now })).toEqual({
      from: 'paused',
      to: 'scheduled',
      missedTicks: null,
    });
  });

  it('goes back to running when its last run finished while paused, for the scheduler to complete it', async () => {
    const id = await insertCampaign('paused', { nextRunAt: null });
    await insertRun(id, 'completed');
    expect(await resumeCampaign(db.sql, id, { now })).toEqual({
      from: 'paused',
      to: 'running',
      missedTicks: null,
    });
  });

  it('goes back to running for a reminder campaign, which has no ticks to wait for', async () => {
    const id = await insertCampaign('paused', { kind: 'reminder', nextRunAt: null });
    expect(await resumeCampaign(db.sql, id, { now })).toEqual({
      from: 'paused',
      to: 'running',
      missedTicks: null,
    });
  });

  it('refuses a campaign that is not paused', async () => {
    const id = await insertCampaign('cancelled');
    expect(await errorOf(resumeCampaign(db.sql, id, { now }))).toMatchObject({ from: 'cancelled' });
    expect(await errorOf(resumeCampaign(db.sql, 424_242, { now }))).toBeInstanceOf(CampaignNotFoundError);
  });

  it('says "already running" (or scheduled) when the campaign is not paused, with the usual code', async () => {
    for (const status of ['running', 'scheduled'] as const) {
      const id = await insertCampaign(status);
      const error = await errorOf(resumeCampaign(db.sql, id, { now }));
      expect(error).toBeInstanceOf(InvalidCampaignTransitionError);
      expect(error).toMatchObject({
        code: 'campaign_transition_invalid',
        message: `campaign ${id} is already ${status}`,
      });
    }
  });

  it('moves a cron campaign paused over its ticks to the next tick after now (missedTicks: skip)', async () => {
    const id = await insertCampaign('paused', {
      scheduleCron: '0 10 * * MON',
      timezone: 'Europe/Moscow',
      nextRunAt: new Date('2026-11-23T07:00:00Z'), // Monday 23 Nov 10:00 Moscow, missed; now is Friday 27
    });
    expect(await resumeCampaign(db.sql, id, { now })).toEqual({
      from: 'paused',
      to: 'scheduled',
      missedTicks: {
        policy: 'skip',
        missed: 1,
        runsNow: null,
        nextRunAt: new Date('2026-11-30T07:00:00Z'),
        timezone: 'Europe/Moscow',
      },
    });
    const [row] = await db.sql<{ next_run_at: Date }[]>`select next_run_at from campaigns where id = ${id}`;
    expect(row?.next_run_at).toEqual(new Date('2026-11-30T07:00:00Z'));
  });
});

describe('cancelCampaign', () => {
  it('skips every delivery not yet gone out with reason cancelled, and leaves the rest alone', async () => {
    const id = await insertCampaign('running');
    const run = await insertRun(id, 'running');
    const states: DeliveryState[] = [
      'queued',
      'waiting',
      'sending',
      'sent',
      'delivered',
      'read',
      'failed',
      'skipped',
    ];
    for (const state of states) await insertDelivery(run, id, state);
    const other = await insertCampaign('running');
    await insertDelivery(await insertRun(other, 'running'), other, 'queued');

    const result = await cancelCampaign(db.sql, id, { now });

    expect(result).toEqual({ from: 'running', to: 'cancelled', skippedDeliveries: 2, cancelledRuns: 1 });
    expect((await deliveriesOf(id)).map((d) => [d.state, d.reason, d.skipped_at])).toEqual([
      ['skipped', 'cancelled', now],
      ['skipped', 'cancelled', now],
      ['sending', null, null],
      ['sent', null, null],
      ['delivered', null, null],
      ['read', null, null],
      ['failed', 'earlier', null],
      ['skipped', 'earlier', null],
    ]);
    expect((await deliveriesOf(other)).map((d) => d.state)).toEqual(['queued']);
  });

  it('appends an event per skipped delivery, from the state it was in', async () => {
    const id = await insertCampaign('paused');
    const run = await insertRun(id, 'running');
    const queued = await insertDelivery(run, id, 'queued');
    const waiting = await insertDelivery(run, id, 'waiting');
    await insertDelivery(run, id, 'sent');

    await cancelCampaign(db.sql, id, { now });

    const events = await db.sql<
      { delivery_id: string; from_state: string; to_state: string; reason: string; at: Date }[]
    >`
      select e.delivery_id, e.from_state, e.to_state, e.reason, e.at
      from delivery_events e join deliveries d on d.id = e.delivery_id
      where d.campaign_id = ${id} order by e.delivery_id`;
    expect(events).toEqual([
      { delivery_id: queued, from_state: 'queued', to_state: 'skipped', reason: 'cancelled', at: now },
      { delivery_id: waiting, from_state: 'waiting', to_state: 'skipped', reason: 'cancelled', at: now },
    ]);
  });

  it('cancels the runs still to do and keeps finished ones', async () => {
    const id = await insertCampaign('scheduled');
    for (const status of ['pending', 'expanding', 'running', 'completed']) await insertRun(id, status);
    await cancelCampaign(db.sql, id, { now });
    const runs = await db.sql<
      { status: string }[]
    >`select status from campaign_runs where campaign_id = ${id} order by id`;
    expect(runs.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'completed']);
  });

  it('changes nothing when the campaign cannot be cancelled', async () => {
    const id = await insertCampaign('completed');
    const run = await insertRun(id, 'running');
    await insertDelivery(run, id, 'queued');
    expect(await errorOf(cancelCampaign(db.sql, id, { now }))).toBeInstanceOf(InvalidCampaignTransitionError);
    expect((await deliveriesOf(id)).map((d) => d.state)).toEqual(['queued']);
    const [runRow] = await db.sql<{ status: string }[]>`select status from campaign_runs where id = ${run}`;
    expect(runRow?.status).toBe('running');
  });
});

describe('publishCampaign', () => {
  it('schedules a draft broadcast for its one-shot time', async () => {
    const at = new Date('2026-11-28T07:00:00Z');
    const id = await insertCampaign('draft', { scheduleAt: at, nextRunAt: null });
    expect(await publishCampaign(db.sql, id, { now })).toEqual({ from: 'draft', to: 'scheduled' });
    const [row] = await db.sql<
      { status: string; next_run_at: Date }[]
    >`select status, next_run_at from campaigns where id = ${id}`;
    expect(row).toEqual({ status: 'scheduled', next_run_at: at });
  });

  it('schedules a draft cron broadcast for its first tick after now', async () => {
    const id = await insertCampaign('draft', {
      scheduleCron: '0 10 * * MON',
      timezone: 'Europe/Moscow',
      nextRunAt: null,
    });
    await publishCampaign(db.sql, id, { now });
    const [row] = await db.sql<{ next_run_at: Date }[]>`select next_run_at from campaigns where id = ${id}`;
    expect(row?.next_run_at).toEqual(new Date('2026-11-30T07:00:00Z'));
  });

  it('starts a draft reminder campaign running', async () => {
    const id = await insertCampaign('draft', { kind: 'reminder', nextRunAt: null });
    expect(await publishCampaign(db.sql, id, { now })).toEqual({ from: 'draft', to: 'running' });
    expect((await statusOf(id))?.status).toBe('running');
  });

  it('refuses a draft whose one-shot time has passed, leaving it a draft', async () => {
    const id = await insertCampaign('draft', {
      scheduleAt: new Date('2026-11-01T00:00:00Z'),
      nextRunAt: null,
    });
    const error = await errorOf(publishCampaign(db.sql, id, { now }));
    expect(error).toBeInstanceOf(CampaignDefinitionError);
    expect((error as CampaignDefinitionError).issues[0]?.path).toBe('schedule.at');
    expect((await statusOf(id))?.status).toBe('draft');
  });
});
