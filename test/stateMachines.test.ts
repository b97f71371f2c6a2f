import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleAppointmentReminders } from '../src/appointments/scheduleAppointmentReminders.js';
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_TRANSITIONS,
  type CampaignStatus,
  cancelCampaign,
  moveCampaignsTo,
  pauseCampaign,
  publishCampaign,
  resumeCampaign,
} from '../src/campaigns/lifecycle.js';
import { moveRunsTo, RUN_STATUSES, RUN_TRANSITIONS, type RunStatus } from '../src/campaigns/runStates.js';
import { optOutContact } from '../src/delivery/optOut.js';
import { applyRecipientStatus } from '../src/delivery/recipientStatus.js';
import { moveDeliveriesTo } from '../src/delivery/sql/moveDeliveries.js';
import { skipPendingDeliveries } from '../src/delivery/sql/skipPendingDeliveries.js';
import {
  DELIVERY_STATES,
  type DeliveryState,
  InvalidTransitionError,
  TRANSITIONS,
} from '../src/delivery/states.js';
import { completeFinishedCampaigns } from '../src/scheduler/completeFinishedCampaigns.js';
import { completeFinishedRuns } from '../src/scheduler/completeFinishedRuns.js';
import { createDueRun } from '../src/scheduler/createDueRun.js';
import { expandCampaignRun } from '../src/scheduler/expandCampaignRun.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

/**
 * Every writer of every state machine (deliveries, campaigns, runs), and every caller that changes a
 * state, driven from every starting state: a row moves exactly when the transition table (and the
 * caller's own rule) allows it, and each move leaves exactly one event with its from, to and reason.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const now = new Date('2026-11-27T07:00:00Z');
let sequence = 0;
const nextSequence = () => {
  sequence += 1;
  return sequence;
};

async function insertCampaign(
  status: CampaignStatus,
  fields: { kind?: string; nextRunAt?: Date | null } = {},
) {
  const nextRunAt = fields.nextRunAt === undefined ? new Date(now.getTime() + 86_400_000) : fields.nextRunAt;
  const [row] = await db.sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, definition, template_source, schedule_at, next_run_at)
    values ('machine', ${fields.kind ?? 'broadcast'}, ${status}, 'sms', '{}', 'Hi', ${nextRunAt}, ${nextRunAt})
    returning id`;
  return row!.id;
}

async function insertRun(campaignId: number, status: RunStatus) {
  sequence += 1;
  const [row] = await db.sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for, status)
    values (${campaignId}, ${new Date(now.getTime() - sequence * 1000)}, ${status}) returning id`;
  return row!.id;
}

async function insertContact() {
  sequence += 1;
  const [row] = await db.sql<{ id: number }[]>`
    insert into contacts (phone, opted_in_at, chat2desk_client_id)
    values (${String(79_100_000_000 + sequence)}, ${now}, ${500_000 + sequence}) returning id`;
  return row!.id;
}

interface DeliveryRow {
  id: string;
  contactId: number;
  campaignId: number;
  runId: number;
}

async function insertDelivery(
  state: DeliveryState,
  options: { campaignId?: number; runId?: number; appointmentId?: number; contactId?: number } = {},
): Promise<DeliveryRow> {
  const campaignId = options.campaignId ?? (await insertCampaign('running'));
  const runId = options.runId ?? (await insertRun(campaignId, 'running'));
  const contactId = options.contactId ?? (await insertContact());
  sequence += 1;
  const reason = state === 'failed' || state === 'skipped' ? 'earlier' : null;
  const [row] = await db.sql<{ id: string }[]>`
    insert into deliveries (run_id, campaign_id, contact_id, reminder_key, appointment_id, state, reason, due_at,
                            next_attempt_at, transport, chat2desk_message_id)
    values (${runId}, ${campaignId}, ${contactId}, ${`k${sequence}`}, ${options.appointmentId ?? null}, ${state},
            ${reason}, ${now}, ${now}, 'sms', ${900_000 + sequence})
    returning id::text`;
  return { id: row!.id, contactId, campaignId, runId };
}

async function deliveryState(id: string) {
  const [row] = await db.sql<{ state: DeliveryState; reason: string | null }[]>`
    select state, reason from deliveries where id = ${id}`;
  return row!;
}

async function deliveryEvents(id: string) {
  return db.sql<{ from_state: string; to_state: string; reason: string | null }[]>`
    select from_state, to_state, reason from delivery_events where delivery_id = ${id} order by id`;
}

/** A move happened exactly when `expected`, with one event saying so; otherwise nothing changed. */
async function expectDeliveryMove(
  d: DeliveryRow,
  from: DeliveryState,
  to: DeliveryState,
  expected: boolean,
  reason: string | null,
) {
  const label = `${from} -> ${to}`;
  expect((await deliveryState(d.id)).state, label).toBe(expected ? to : from);
  expect(await deliveryEvents(d.id), label).toEqual(
    expected ? [{ from_state: from, to_state: to, reason }] : [],
  );
}

describe('the delivery state machine', () => {
  it('moveDeliveriesTo: every state to every state, exactly along the table, one event per move', async () => {
    for (const from of DELIVERY_STATES) {
      for (const to of DELIVERY_STATES) {
        const d = await insertDelivery(from);
        const reason = to === 'failed' || to === 'skipped' ? 'because' : null;
        const moved = await moveDeliveriesTo(db.sql, to, [
          { id: d.id, to, reason, now, campaignId: d.campaignId },
        ]);
        const allowed = TRANSITIONS[from].includes(to);
        expect(moved.has(d.id), `${from} -> ${to}`).toBe(allowed);
        await expectDeliveryMove(d, from, to, allowed, reason);
      }
    }
  });

  it('moveDeliveriesTo with `from`: narrower still, and an edge not in the table is refused before any SQL', async () => {
    for (const from of DELIVERY_STATES) {
      const d = await insertDelivery(from);
      const moved = await moveDeliveriesTo(
        db.sql,
        'waiting',
        [{ id: d.id, to: 'waiting', reason: 'r', now }],
        {
          from: ['queued'],
        },
      );
      await expectDeliveryMove(d, from, 'waiting', from === 'queued', 'r');
      expect(moved.size).toBe(from === 'queued' ? 1 : 0);
    }
    await expect(
      moveDeliveriesTo(db.sql, 'queued', [{ id: '1', to: 'queued', reason: null, now }], { from: ['sent'] }),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it("moveDeliveriesTo for a worker: only the worker's own claim moves", async () => {
    const d = await insertDelivery('queued');
    await db.sql`update deliveries set locked_by = 'w1', locked_at = ${now} where id = ${d.id}`;
    const other = await moveDeliveriesTo(db.sql, 'skipped', [
      { id: d.id, to: 'skipped', reason: 'x', now, workerId: 'w2' },
    ]);
    expect(other.size).toBe(0);
    await expectDeliveryMove(d, 'queued', 'skipped', false, 'x');
  });

  it('moveDeliveriesTo for a worker: a claim taken again (a new lease token) fences the older one, even of the same worker', async () => {
    const d = await insertDelivery('queued');
    await db.sql`update deliveries set locked_by = 'w1', locked_at = ${now}, lease_token = 7 where id = ${d.id}`;
    const stale = await moveDeliveriesTo(db.sql, 'sending', [
      {
        id: d.id,
        to: 'sending',
        reason: null,
        now,
        workerId: 'w1',
        leaseToken: '6',
        campaignId: d.campaignId,
      },
    ]);
    expect(stale.size).toBe(0);
    const current = await moveDeliveriesTo(db.sql, 'sending', [
      {
        id: d.id,
        to: 'sending',
        reason: null,
        now,
        workerId: 'w1',
        leaseToken: '7',
        campaignId: d.campaignId,
      },
    ]);
    expect(current.size).toBe(1);
  });

  it('moveDeliveriesTo `sending`: only while the campaign runs', async () => {
    for (const status of CAMPAIGN_STATUSES) {
      const campaignId = await insertCampaign(status);
      const d = await insertDelivery('queued', { campaignId });
      await moveDeliveriesTo(db.sql, 'sending', [{ id: d.id, to: 'sending', reason: null, now, campaignId }]);
      await expectDeliveryMove(d, 'queued', 'sending', status === 'running', null);
    }
  });

  const pendingCallers: Array<{
    name: string;
    reason: string;
    run: (d: DeliveryRow, appointmentId: number) => Promise<unknown>;
  }> = [
    {
      name: 'skipPendingDeliveries by contact',
      reason: 'opted_out',
      run: (d) => skipPendingDeliveries(db.sql, { contactIds: [d.contactId] }, { reason: 'opted_out', now }),
    },
    {
      name: 'skipPendingDeliveries by campaign',
      reason: 'cancelled',
      run: (d) => skipPendingDeliveries(db.sql, { campaignId: d.campaignId }, { reason: 'cancelled', now }),
    },
    {
      name: 'optOutContact (a STOP reply or the API)',
      reason: 'opted_out',
      run: (d) => optOutContact(db.sql, { contactId: d.contactId }, { reason: 'stop_reply', now }),
    },
    {
      name: 'cancelCampaign',
      reason: 'cancelled',
      run: (d) => cancelCampaign(db.sql, d.campaignId, { now }),
    },
    {
      name: 'an appointment cancelled (scheduleAppointmentReminders)',
      reason: 'appointment_cancelled',
      run: async (_d, appointmentId) => {
        await db.sql`update appointments set status = 'cancelled' where id = ${appointmentId}`;
        return db.sql.begin((tx) => scheduleAppointmentReminders(tx, [appointmentId], { now }));
      },
    },
  ];

  for (const caller of pendingCallers) {
    it(`${caller.name}: skips exactly the deliveries not yet sent, from every state`, async () => {
      for (const from of DELIVERY_STATES) {
        const contactId = await insertContact();
        const [appointment] = await db.sql<{ id: number }[]>`
          insert into appointments (external_id, contact_id, starts_at)
          values (${`a${nextSequence()}`}, ${contactId}, ${new Date(now.getTime() + 86_400_000)}) returning id`;
        const d = await insertDelivery(from, { contactId, appointmentId: appointment!.id });
        await caller.run(d, appointment!.id);
        await expectDeliveryMove(d, from, 'skipped', from === 'queued' || from === 'waiting', caller.reason);
      }
    });
  }

  it('an appointment moved to a new time: its pending reminders wait for it, the others stay', async () => {
    const campaignId = await insertCampaign('running', { kind: 'reminder', nextRunAt: null });
    const runId = await insertRun(campaignId, 'running');
    await db.sql`update campaigns set reminder_offsets = '{-3600}' where id = ${campaignId}`;
    for (const from of DELIVERY_STATES) {
      const contactId = await insertContact();
      const startsAt = new Date(now.getTime() + 86_400_000);
      const [a] = await db.sql<{ id: number }[]>`
        insert into appointments (external_id, contact_id, starts_at)
        values (${`r${nextSequence()}`}, ${contactId}, ${startsAt}) returning id`;
      const d = await insertDelivery(from, { campaignId, runId, contactId, appointmentId: a!.id });
      await db.sql`update deliveries set reminder_key = ${`${a!.id}:-3600:${startsAt.getTime()}`} where id = ${d.id}`;
      await db.sql`update appointments set starts_at = ${new Date(startsAt.getTime() + 3_600_000)} where id = ${a!.id}`;
      await db.sql.begin((tx) => scheduleAppointmentReminders(tx, [a!.id], { now }));
      await expectDeliveryMove(d, from, 'waiting', from === 'queued' || from === 'waiting', 'rescheduled');
    }
  });

  it('applyRecipientStatus: statuses move a sent message forward only', async () => {
    for (const from of DELIVERY_STATES) {
      for (const [status, to] of [
        ['delivered', 'delivered'],
        ['read', 'read'],
        ['failed', 'failed'],
      ] as const) {
        const d = await insertDelivery(from);
        const [row] = await db.sql<{ message: string }[]>`
          select chat2desk_message_id::text as message from deliveries where id = ${d.id}`;
        await applyRecipientStatus(db.sql, { chat2deskMessageId: row!.message, status, now });
        const allowed = TRANSITIONS[from].includes(to) && ['sent', 'delivered', 'read'].includes(from);
        await expectDeliveryMove(d, from, to, allowed, to === 'failed' ? 'undeliverable' : null);
      }
    }
  });
});

async function campaignStatus(id: number) {
  const [row] = await db.sql<{ status: CampaignStatus }[]>`select status from campaigns where id = ${id}`;
  return row!.status;
}

async function campaignEvents(id: number) {
  return db.sql<{ from_status: string; to_status: string; reason: string | null }[]>`
    select from_status, to_status, reason from campaign_events where campaign_id = ${id} order by id`;
}

async function expectCampaignMove(id: number, from: CampaignStatus, to: CampaignStatus, expected: boolean) {
  const label = `${from} -> ${to}`;
  expect(await campaignStatus(id), label).toBe(expected ? to : from);
  const events = await campaignEvents(id);
  expect(
    events.map((e) => `${e.from_status}->${e.to_status}`),
    label,
  ).toEqual(expected ? [`${from}->${to}`] : []);
}

describe('the campaign state machine', () => {
  it('moveCampaignsTo: every status to every status, exactly along the table, one event per move', async () => {
    for (const from of CAMPAIGN_STATUSES) {
      for (const to of CAMPAIGN_STATUSES) {
        const id = await insertCampaign(from);
        const moved = await moveCampaignsTo(db.sql, to, { ids: [id] }, { now, reason: 'why' });
        const allowed = CAMPAIGN_TRANSITIONS[from].includes(to);
        expect(moved, `${from} -> ${to}`).toEqual(allowed ? [{ id, from }] : []);
        await expectCampaignMove(id, from, to, allowed);
        if (allowed) expect((await campaignEvents(id))[0]?.reason).toBe('why');
      }
    }
    await expect(
      moveCampaignsTo(db.sql, 'running', { ids: [1] }, { now, from: ['completed'] }),
    ).rejects.toThrow(/cannot go from completed to running/);
  });

  const callers: Array<{
    name: string;
    to: CampaignStatus;
    allowedFrom: readonly CampaignStatus[];
    run: (id: number) => Promise<unknown>;
  }> = [
    {
      name: 'pauseCampaign',
      to: 'paused',
      allowedFrom: ['scheduled', 'running'],
      run: (id) => pauseCampaign(db.sql, id, { now }),
    },
    {
      name: 'resumeCampaign',
      to: 'running',
      allowedFrom: ['paused'],
      run: async (id) => {
        // No tick left: it resumes to running (with one, to scheduled; both edges leave paused only).
        await db.sql`update campaigns set next_run_at = null where id = ${id}`;
        return resumeCampaign(db.sql, id, { now });
      },
    },
    {
      name: 'cancelCampaign',
      to: 'cancelled',
      allowedFrom: ['draft', 'scheduled', 'running', 'paused'],
      run: (id) => cancelCampaign(db.sql, id, { now }),
    },
    {
      name: 'publishCampaign',
      to: 'scheduled',
      allowedFrom: ['draft'],
      run: (id) => publishCampaign(db.sql, id, { now }),
    },
    {
      name: 'createDueRun (the scheduler)',
      to: 'running',
      allowedFrom: ['scheduled'],
      run: async (id) => {
        await db.sql`update campaigns set next_run_at = ${now}, schedule_at = ${now} where id = ${id}`;
        return createDueRun(db.sql, id, now);
      },
    },
    {
      name: 'completeFinishedCampaigns (the scheduler)',
      to: 'completed',
      allowedFrom: ['running'],
      run: async (id) => {
        await db.sql`update campaigns set next_run_at = null where id = ${id}`;
        return completeFinishedCampaigns(db.sql, now);
      },
    },
  ];

  for (const caller of callers) {
    it(`${caller.name}: moves to ${caller.to} from exactly ${caller.allowedFrom.join(', ')}`, async () => {
      for (const from of CAMPAIGN_STATUSES) {
        const id = await insertCampaign(from, { kind: 'broadcast' });
        await caller.run(id).catch(() => undefined);
        await expectCampaignMove(id, from, caller.to, caller.allowedFrom.includes(from));
      }
    });
  }
});

async function runStatus(id: number) {
  const [row] = await db.sql<{ status: RunStatus }[]>`select status from campaign_runs where id = ${id}`;
  return row!.status;
}

async function expectRunMove(id: number, from: RunStatus, to: RunStatus, expected: boolean) {
  const label = `${from} -> ${to}`;
  expect(await runStatus(id), label).toBe(expected ? to : from);
  const events = await db.sql<{ from_status: string; to_status: string }[]>`
    select from_status, to_status from campaign_run_events where run_id = ${id} order by id`;
  expect(
    events.map((e) => `${e.from_status}->${e.to_status}`),
    label,
  ).toEqual(expected ? [`${from}->${to}`] : []);
}

describe('the run state machine', () => {
  it('moveRunsTo: every status to every status, exactly along the table, one event per move', async () => {
    for (const from of RUN_STATUSES) {
      for (const to of RUN_STATUSES) {
        const campaignId = await insertCampaign('running');
        const id = await insertRun(campaignId, from);
        const moved = await moveRunsTo(db.sql, to, { ids: [id] }, { now });
        const allowed = RUN_TRANSITIONS[from].includes(to);
        expect(moved, `${from} -> ${to}`).toEqual(allowed ? [{ id, campaignId, from }] : []);
        await expectRunMove(id, from, to, allowed);
      }
    }
  });

  const callers: Array<{
    name: string;
    to: RunStatus;
    allowedFrom: readonly RunStatus[];
    run: (runId: number, campaignId: number) => Promise<unknown>;
  }> = [
    {
      name: 'expandCampaignRun (pending → expanding → running)',
      to: 'running',
      allowedFrom: [],
      run: (runId) => expandCampaignRun(db.sql, runId, { now }),
    },
    {
      name: 'completeFinishedRuns',
      to: 'completed',
      allowedFrom: ['running'],
      run: () => completeFinishedRuns(db.sql, now),
    },
    {
      name: 'cancelCampaign',
      to: 'cancelled',
      allowedFrom: ['pending', 'expanding', 'running'],
      run: (_runId, campaignId) => cancelCampaign(db.sql, campaignId, { now }),
    },
  ];

  for (const caller of callers) {
    it(`${caller.name}: from every status`, async () => {
      for (const from of RUN_STATUSES) {
        const campaignId = await insertCampaign('running');
        const id = await insertRun(campaignId, from);
        await caller.run(id, campaignId);
        if (caller.name.startsWith('expandCampaignRun')) {
          // Two moves from pending; one from expanding (resumed after a crash); none from the others.
          const events = await db.sql<{ step: string }[]>`
            select from_status || '->' || to_status as step from campaign_run_events where run_id = ${id} order by id`;
          const expected: Record<RunStatus, string[]> = {
            pending: ['pending->expanding', 'expanding->running'],
            expanding: ['expanding->running'],
            running: [],
            completed: [],
            cancelled: [],
          };
          expect(
            events.map((e) => e.step),
            from,
          ).toEqual(expected[from]);
          continue;
        }
        await expectRunMove(id, from, caller.to, caller.allowedFrom.includes(from));
      }
    });
  }
});

describe('one writer per state machine', () => {
  /** SQL that changes a state or appends to an event log, and the only files allowed to hold it. */
  const WRITES: Array<{ pattern: RegExp; writers: string[] }> = [
    {
      pattern: /update\s+deliveries\s+\w*\s*set\s(?:(?!\bwhere\b)[^`])*?\bstate\s*=/i,
      writers: ['src/delivery/sql/moveDeliveries.ts', 'src/delivery/sql/skipPendingDeliveries.ts'],
    },
    {
      pattern: /insert\s+into\s+delivery_events/i,
      writers: ['src/delivery/sql/moveDeliveries.ts', 'src/delivery/sql/skipPendingDeliveries.ts'],
    },
    {
      pattern: /update\s+campaigns\s+\w*\s*set\s(?:(?!\bwhere\b)[^`])*?\bstatus\s*=/i,
      writers: ['src/campaigns/lifecycle.ts'],
    },
    { pattern: /insert\s+into\s+campaign_events/i, writers: ['src/campaigns/lifecycle.ts'] },
    {
      pattern: /update\s+campaign_runs\s+\w*\s*set\s(?:(?!\bwhere\b)[^`])*?\bstatus\s*=/i,
      writers: ['src/campaigns/runStates.ts'],
    },
    { pattern: /insert\s+into\s+campaign_run_events/i, writers: ['src/campaigns/runStates.ts'] },
  ];

  it('no other file of src/ writes a state or an event', async () => {
    const root = join(import.meta.dirname, '..');
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== 'generated') await walk(path);
        else if (entry.name.endsWith('.ts')) files.push(path);
      }
    };
    await walk(join(root, 'src'));
    const offenders: string[] = [];
    for (const file of files) {
      const name = relative(root, file);
      const text = await readFile(file, 'utf8');
      for (const write of WRITES) {
        if (write.pattern.test(text) && !write.writers.includes(name))
          offenders.push(`${name}: ${write.pattern}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
