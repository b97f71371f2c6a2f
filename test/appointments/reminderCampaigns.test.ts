import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeReminderCampaigns, startReminderCampaign } from '../../src/appointments/reminderCampaigns.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { seedContact } from '../support/seedDeliveries.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(START.getTime() + ms);

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

async function reminderCampaign(
  options: {
    status?: string;
    kind?: 'reminder' | 'broadcast';
    sendLateWithin?: string;
    bookedLate?: string;
    outsideWindow?: string;
    offsets?: number[];
  } = {},
): Promise<number> {
  const { sendLateWithin, bookedLate, outsideWindow } = options;
  const definition = JSON.parse(JSON.stringify({ sendLateWithin, bookedLate, outsideWindow }));
  const [row] = await db.sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source,
                           reminder_offsets, created_at)
    values ('reminders', ${options.kind ?? 'reminder'}, ${options.status ?? 'running'}, 'sms', 1,
            ${db.sql.json(definition)}, 'See you', ${options.offsets ?? [-3600]}, ${at(-DAY)})
    returning id`;
  return row!.id;
}

async function runningRun(campaignId: number, scheduledFor = at(-DAY)): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for, status)
    values (${campaignId}, ${scheduledFor}, 'running') returning id`;
  return row!.id;
}

let phones = 0;
async function appointment(startsAt: Date, status = 'booked'): Promise<number> {
  const contactId = await seedContact(db.sql, String(79003330000 + ++phones));
  const [row] = await db.sql<{ id: number }[]>`
    insert into appointments (external_id, contact_id, starts_at, status)
    values (${`a${phones}`}, ${contactId}, ${startsAt}, ${status}) returning id`;
  return row!.id;
}

describe('activeReminderCampaigns', () => {
  it('lists running and paused reminder campaigns with their run, how late a reminder may go out and their policies (defaults: sendNow, auto)', async () => {
    const running = await reminderCampaign({
      sendLateWithin: '2h',
      bookedLate: 'skip',
      outsideWindow: 'wait',
    });
    const paused = await reminderCampaign({ status: 'paused' });
    const runningRunId = await runningRun(running);
    const pausedRunId = await runningRun(paused);

    expect(await activeReminderCampaigns(db.sql)).toEqual([
      {
        campaignId: running,
        runId: runningRunId,
        sendLateWithinSeconds: 7200,
        bookedLate: 'skip',
        outsideWindow: 'wait',
      },
      {
        campaignId: paused,
        runId: pausedRunId,
        sendLateWithinSeconds: 0,
        bookedLate: 'sendNow',
        outsideWindow: 'auto',
      },
    ]);
  });

  it('leaves out finished, draft and broadcast campaigns, and one without a running run', async () => {
    for (const status of ['completed', 'cancelled', 'draft'])
      await runningRun(await reminderCampaign({ status }));
    await runningRun(await reminderCampaign({ kind: 'broadcast' }));
    const noRun = await reminderCampaign();
    await db.sql`
      insert into campaign_runs (campaign_id, scheduled_for, status) values (${noRun}, ${START}, 'completed')`;

    expect(await activeReminderCampaigns(db.sql)).toEqual([]);
  });

  it('reads a sendLateWithin that is negative or not a duration as not at all', async () => {
    const negative = await reminderCampaign({ sendLateWithin: '-1h' });
    const garbage = await reminderCampaign({ sendLateWithin: 'soon' });
    await runningRun(negative);
    await runningRun(garbage);

    expect((await activeReminderCampaigns(db.sql)).map((c) => c.sendLateWithinSeconds)).toEqual([0, 0]);
  });

  it('gives one campaign when asked for it, with its first running run', async () => {
    const wanted = await reminderCampaign({ sendLateWithin: '15m' });
    await runningRun(await reminderCampaign());
    const first = await runningRun(wanted, at(-DAY));
    await runningRun(wanted, at(-HOUR));

    expect(await activeReminderCampaigns(db.sql, { campaignId: wanted })).toEqual([
      {
        campaignId: wanted,
        runId: first,
        sendLateWithinSeconds: 900,
        bookedLate: 'sendNow',
        outsideWindow: 'auto',
      },
    ]);
  });
});

describe('startReminderCampaign', () => {
  it('makes the campaign its one run and reminds the appointments booked ahead', async () => {
    const campaignId = await reminderCampaign({ offsets: [-3600] });
    const tomorrow = await appointment(at(DAY));
    await appointment(at(DAY), 'cancelled');
    await appointment(at(-HOUR)); // over already: nothing at all
    const inHalfAnHour = await appointment(at(30 * MINUTE)); // its reminder was due 30 minutes ago

    const counts = await db.sql.begin((tx) => startReminderCampaign(tx, campaignId, { now: START }));

    expect(counts).toEqual({ queued: 1, skipped: 1 });
    const runs = await db.sql`
      select id, scheduled_for, status, expanded_at from campaign_runs where campaign_id = ${campaignId}`;
    expect(runs).toEqual([
      { id: expect.any(Number), scheduled_for: at(-DAY), status: 'running', expanded_at: START },
    ]);
    const deliveries = await db.sql`
      select appointment_id, run_id, state, reason, due_at from deliveries order by appointment_id`;
    expect(deliveries).toEqual([
      {
        appointment_id: tomorrow,
        run_id: runs[0]!.id,
        state: 'queued',
        reason: null,
        due_at: at(DAY - HOUR),
      },
      {
        appointment_id: inHalfAnHour,
        run_id: runs[0]!.id,
        state: 'skipped',
        reason: 'too_late',
        due_at: at(-30 * MINUTE),
      },
    ]);
  });

  it('queues a late reminder still within sendLateWithin', async () => {
    const campaignId = await reminderCampaign({ offsets: [-3600], sendLateWithin: '1h' });
    await appointment(at(30 * MINUTE));

    expect(await db.sql.begin((tx) => startReminderCampaign(tx, campaignId, { now: START }))).toEqual({
      queued: 1,
      skipped: 0,
    });
  });

  it('is a no-op the second time', async () => {
    const campaignId = await reminderCampaign();
    await appointment(at(DAY));
    await db.sql.begin((tx) => startReminderCampaign(tx, campaignId, { now: START }));

    const again = await db.sql.begin((tx) => startReminderCampaign(tx, campaignId, { now: at(MINUTE) }));

    expect(again).toEqual({ queued: 0, skipped: 0 });
    const [counts] = await db.sql<{ runs: number; deliveries: number }[]>`
      select (select count(*)::int from campaign_runs) as runs, (select count(*)::int from deliveries) as deliveries`;
    expect(counts).toEqual({ runs: 1, deliveries: 1 });
  });

  it("places the reminders it makes outside the send window in DEFAULT_TIMEZONE's window for recipients without a zone", async () => {
    // 08:00 in Moscow tomorrow (05:00Z): the -2h reminder is planned at 06:00 there, before the 09:00 opening.
    const campaignId = await reminderCampaign({ offsets: [-2 * 3600] });
    await db.sql`update campaigns set send_window = ${db.sql.json({ from: '09:00', to: '21:00' })} where id = ${campaignId}`;
    await appointment(new Date('2026-11-28T05:00:00.000Z'));

    await db.sql.begin((tx) =>
      startReminderCampaign(tx, campaignId, { now: START, defaultTimezone: 'Europe/Moscow' }),
    );

    // The last minute of Moscow's window the evening before (20:59 there), not UTC's (20:59Z).
    const [row] = await db.sql`select state::text, reason, next_attempt_at from deliveries`;
    expect(row).toEqual({
      state: 'waiting',
      reason: 'window_earlier',
      next_attempt_at: new Date('2026-11-27T17:59:00.000Z'),
    });
  });

  it('does nothing for a broadcast campaign', async () => {
    const campaignId = await reminderCampaign({ kind: 'broadcast' });
    await appointment(at(DAY));

    expect(await db.sql.begin((tx) => startReminderCampaign(tx, campaignId, { now: START }))).toEqual({
      queued: 0,
      skipped: 0,
    });
    const [counts] = await db.sql<{ n: number }[]>`select count(*)::int as n from campaign_runs`;
    expect(counts!.n).toBe(0);
  });
});
