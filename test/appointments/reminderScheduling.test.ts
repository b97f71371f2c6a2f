import { describe, expect, it } from 'vitest';
import { cancelAppointment, upsertAppointments } from '../../src/appointments/appointments.js';
import { cancelCampaign, pauseCampaign, publishCampaign } from '../../src/campaigns/lifecycle.js';
import { DELIVERIES_CHANNEL } from '../../src/db/channels.js';
import { at, createReminderCampaign, fileTestDatabase, T } from './seedReminders.js';

const db = fileTestDatabase(['campaigns', 'appointments', 'contacts', 'lists']);

const reminderCampaign = (overrides: Record<string, unknown> = {}, now = T) =>
  createReminderCampaign(
    db,
    { template: 'See you at {{formatTime appointment.startsAt}}', requireOptIn: false, ...overrides },
    now,
  );

function book(externalId: string, startsAt: Date, extra: Record<string, unknown> = {}, now = T) {
  return upsertAppointments(db.sql, [{ externalId, phone: '79990000001', startsAt, ...extra }], { now });
}

interface ReminderRow {
  id: string;
  external_id: string;
  offset: number;
  state: string;
  reason: string | null;
  due_at: Date;
  next_attempt_at: Date;
  reminder_key: string;
  locked_by: string | null;
}

async function reminders(campaignId?: number): Promise<ReminderRow[]> {
  return db.sql<ReminderRow[]>`
    select d.id, a.external_id, split_part(d.reminder_key, ':', 2)::int as offset, d.state, d.reason,
           d.due_at, d.next_attempt_at, d.reminder_key, d.locked_by
    from deliveries d join appointments a on a.id = d.appointment_id
    where ${campaignId === undefined ? db.sql`true` : db.sql`d.campaign_id = ${campaignId}`}
    order by a.external_id, d.due_at, d.id`;
}

const summary = (rows: ReminderRow[]) =>
  rows.map((r) => [r.external_id, r.offset / 3600, r.state, r.reason, r.due_at.toISOString()]);

describe('creating reminders', () => {
  it('gives each upcoming appointment one reminder per offset when a reminder campaign is created, due at startsAt + offset', async () => {
    await book('A', at(30));
    await book('B', at(5));
    await book('C', at(30), { status: 'cancelled' });
    await book('D', at(-1), {}, at(-10));

    const campaign = await reminderCampaign();

    expect(summary(await reminders())).toEqual([
      ['A', -24, 'queued', null, at(6).toISOString()],
      ['A', -2, 'queued', null, at(28).toISOString()],
      ['B', -24, 'skipped', 'too_late', at(-19).toISOString()],
      ['B', -2, 'queued', null, at(3).toISOString()],
    ]);
    const [run] =
      await db.sql`select id, status, scheduled_for from campaign_runs where campaign_id = ${campaign.id}`;
    expect(run).toMatchObject({ status: 'running', scheduled_for: T });
    const [a] = await db.sql`select id from appointments where external_id = 'A'`;
    const rows =
      await db.sql`select run_id, reminder_key, next_attempt_at from deliveries where appointment_id = ${a!.id} order by due_at`;
    expect(rows).toEqual([
      { run_id: run!.id, reminder_key: `${a!.id}:-86400:${at(30).getTime()}`, next_attempt_at: at(6) },
      { run_id: run!.id, reminder_key: `${a!.id}:-7200:${at(30).getTime()}`, next_attempt_at: at(28) },
    ]);
  });

  it('creates the reminders of an appointment as it is booked, once however often it is imported again', async () => {
    const campaign = await reminderCampaign();

    await book('A', at(30));
    await book('A', at(30));
    await book('A', at(30), {}, at(1));

    expect(summary(await reminders(campaign.id))).toEqual([
      ['A', -24, 'queued', null, at(6).toISOString()],
      ['A', -2, 'queued', null, at(28).toISOString()],
    ]);
  });

  it('wakes the workers when reminders are created', async () => {
    await reminderCampaign();
    let notified: () => void = () => {};
    const woken = new Promise<void>((resolve) => {
      notified = resolve;
    });
    const listener = await db.sql.listen(DELIVERIES_CHANNEL, () => notified());

    await book('A', at(30));

    await woken;
    await listener.unlisten();
  });

  it('queues a reminder booked after its due time for now when sendLateWithin covers it, keeping its due time; else sends the latest missed one as the one catch-up and skips the earlier booked_late', async () => {
    await reminderCampaign({ sendLateWithin: '30m' });

    await book('late-but-covered', at(1.75));
    await book('booked-late', at(1));

    const rows = await reminders();
    expect(summary(rows)).toEqual([
      ['booked-late', -24, 'skipped', 'booked_late', at(-23).toISOString()],
      ['booked-late', -2, 'queued', null, at(-1).toISOString()],
      ['late-but-covered', -24, 'skipped', 'booked_late', at(-22.25).toISOString()],
      ['late-but-covered', -2, 'queued', null, at(-0.25).toISOString()],
    ]);
    expect(rows[1]?.next_attempt_at).toEqual(T);
    expect(rows[3]?.next_attempt_at).toEqual(T);
  });

  it('sends nothing for an appointment booked after its reminders under bookedLate skip: each skipped booked_late', async () => {
    await reminderCampaign({ bookedLate: 'skip' });

    await book('booked-late', at(1));

    expect(summary(await reminders())).toEqual([
      ['booked-late', -24, 'skipped', 'booked_late', at(-23).toISOString()],
      ['booked-late', -2, 'skipped', 'booked_late', at(-1).toISOString()],
    ]);
  });

  it('creates none for an appointment that has already started, nor one before an appointment that has begun', async () => {
    await reminderCampaign({ offsets: ['-15m', '+1h'], sendLateWithin: '2h' });

    await book('started', at(-0.1));

    expect(summary(await reminders())).toEqual([
      ['started', -0.25, 'skipped', 'too_late', at(-0.35).toISOString()],
      ['started', 1, 'queued', null, at(0.9).toISOString()],
    ]);
  });

  it("keeps to the campaign's audience list", async () => {
    await db.sql`insert into contacts (phone) values ('79990000001'), ('79990000002')`;
    await db.sql`insert into lists (name) values ('patients')`;
    await db.sql`
      insert into list_members (list_id, contact_id)
      select l.id, c.id from lists l, contacts c where l.name = 'patients' and c.phone = '79990000001'`;
    await reminderCampaign({ audience: { list: 'patients' } });

    await upsertAppointments(
      db.sql,
      [
        { externalId: 'member', phone: '79990000001', startsAt: at(30) },
        { externalId: 'stranger', phone: '79990000002', startsAt: at(30) },
      ],
      { now: T },
    );

    expect(new Set((await reminders()).map((r) => r.external_id))).toEqual(new Set(['member']));
  });

  it('creates reminders for a paused campaign (they wait for the resume) but not for a draft or a cancelled one, until the draft is published', async () => {
    const paused = await reminderCampaign({ name: 'paused' });
    await pauseCampaign(db.sql, paused.id, { now: T });
    const cancelled = await reminderCampaign({ name: 'cancelled' });
    await cancelCampaign(db.sql, cancelled.id, { now: T });
    const draft = await reminderCampaign({ name: 'draft', draft: true });

    await book('A', at(30));

    expect(await reminders(paused.id)).toHaveLength(2);
    expect(await reminders(cancelled.id)).toHaveLength(0);
    expect(await reminders(draft.id)).toHaveLength(0);

    await publishCampaign(db.sql, draft.id, { now: at(1) });
    expect(summary(await reminders(draft.id))).toEqual([
      ['A', -24, 'queued', null, at(6).toISOString()],
      ['A', -2, 'queued', null, at(28).toISOString()],
    ]);
  });
});

describe('rescheduling', () => {
  it('moves pending reminders to the new time in place, with an event, and gives a reminder already sent one for the new time', async () => {
    await reminderCampaign();
    await book('A', at(30));
    const [dayBefore, twoHoursBefore] = await reminders();
    await db.sql`update deliveries set state = 'sent', sent_at = ${at(6)} where id = ${dayBefore!.id}`;

    await book('A', at(40), {}, at(7));

    const rows = await reminders();
    expect(summary(rows)).toEqual([
      ['A', -24, 'sent', null, at(6).toISOString()],
      ['A', -24, 'queued', null, at(16).toISOString()],
      ['A', -2, 'waiting', 'rescheduled', at(38).toISOString()],
    ]);
    const moved = rows.find((r) => r.id === twoHoursBefore!.id)!;
    expect(moved.next_attempt_at).toEqual(at(38));
    expect(moved.reminder_key).toMatch(new RegExp(`:-7200:${at(40).getTime()}$`));
    const events =
      await db.sql`select from_state, to_state, reason, details, at from delivery_events where delivery_id = ${moved.id}`;
    expect(events).toEqual([
      {
        from_state: 'queued',
        to_state: 'waiting',
        reason: 'rescheduled',
        details: { fromDueAt: at(28).toISOString(), toDueAt: at(38).toISOString() },
        at: at(7),
      },
    ]);
  });

  it('skips the pending reminder with reason rescheduled when moved back to a time whose reminder went out', async () => {
    await reminderCampaign();
    await book('A', at(30));
    const [dayBefore] = await reminders();
    await db.sql`update deliveries set state = 'sent', sent_at = ${at(6)} where id = ${dayBefore!.id}`;
    await book('A', at(40), {}, at(7));

    await book('A', at(30), {}, at(8));

    expect(summary(await reminders())).toEqual([
      ['A', -24, 'sent', null, at(6).toISOString()],
      ['A', -24, 'skipped', 'rescheduled', at(16).toISOString()],
      ['A', -2, 'waiting', 'rescheduled', at(28).toISOString()],
    ]);
  });

  it('moves reminders rescheduled past their due times to one catch-up now (the latest), the earlier skipped booked_late', async () => {
    await reminderCampaign();
    await book('A', at(30));

    await book('A', at(1));

    const rows = await reminders();
    expect(summary(rows)).toEqual([
      ['A', -24, 'skipped', 'booked_late', at(-23).toISOString()],
      ['A', -2, 'waiting', 'rescheduled', at(-1).toISOString()],
    ]);
    expect(rows[1]?.next_attempt_at).toEqual(T);
  });

  it('skips reminders rescheduled past their due times booked_late under bookedLate skip', async () => {
    await reminderCampaign({ bookedLate: 'skip' });
    await book('A', at(30));

    await book('A', at(1));

    expect(summary(await reminders())).toEqual([
      ['A', -24, 'skipped', 'booked_late', at(-23).toISOString()],
      ['A', -2, 'skipped', 'booked_late', at(-1).toISOString()],
    ]);
  });

  it('records booked_late once per appointment and offset, however often the appointment moves within reach of it', async () => {
    await reminderCampaign();
    await book('A', at(5));

    await book('A', at(6));

    expect(summary(await reminders())).toEqual([
      ['A', -24, 'skipped', 'booked_late', at(-19).toISOString()],
      ['A', -2, 'waiting', 'rescheduled', at(4).toISOString()],
    ]);
  });

  it("records the new time's reminder as booked_late when the old time's went out and a later one is to come", async () => {
    await reminderCampaign();
    await book('A', at(30));
    const [dayBefore] = await reminders();
    await db.sql`update deliveries set state = 'sent', sent_at = ${at(6)} where id = ${dayBefore!.id}`;

    await book('A', at(20), {}, at(7));

    expect(summary(await reminders())).toEqual([
      ['A', -24, 'skipped', 'booked_late', at(-4).toISOString()],
      ['A', -24, 'sent', null, at(6).toISOString()],
      ['A', -2, 'waiting', 'rescheduled', at(18).toISOString()],
    ]);
  });

  it('moves the pending reminders to the new contact when the appointment changes hands', async () => {
    await reminderCampaign();
    await book('A', at(30));

    await upsertAppointments(db.sql, [{ externalId: 'A', phone: '79990000002', startsAt: at(30) }], {
      now: T,
    });

    const rows = await db.sql`
      select c.phone, d.state, count(*)::int as n from deliveries d join contacts c on c.id = d.contact_id group by 1, 2`;
    expect(rows).toEqual([{ phone: '79990000002', state: 'waiting', n: 2 }]);
  });

  it("drops a worker's claim on a reminder it moves, so that worker cannot send the old time's", async () => {
    await reminderCampaign();
    await book('A', at(30));
    await db.sql`update deliveries set locked_by = 'worker-1', locked_at = ${T}`;

    await book('A', at(31));

    expect((await reminders()).map((r) => r.locked_by)).toEqual([null, null]);
  });
});

describe('cancelling', () => {
  it('skips pending reminders with reason appointment_cancelled, leaving those already sent', async () => {
    await reminderCampaign();
    const [booked] = await book('A', at(30));
    const [dayBefore, twoHoursBefore] = await reminders();
    await db.sql`update deliveries set state = 'sent', sent_at = ${at(6)} where id = ${dayBefore!.id}`;
    await db.sql`update deliveries set locked_by = 'worker-1', locked_at = ${T} where id = ${twoHoursBefore!.id}`;

    await cancelAppointment(db, booked!.id, { now: at(7) });

    expect(summary(await reminders())).toEqual([
      ['A', -24, 'sent', null, at(6).toISOString()],
      ['A', -2, 'skipped', 'appointment_cancelled', at(28).toISOString()],
    ]);
    expect((await reminders())[1]?.locked_by).toBeNull();
    const events = await db.sql`select from_state, to_state, reason, at from delivery_events`;
    expect(events).toEqual([
      { from_state: 'queued', to_state: 'skipped', reason: 'appointment_cancelled', at: at(7) },
    ]);
  });

  it('does the same when an import says the appointment is cancelled', async () => {
    await reminderCampaign();
    await book('A', at(30));

    await book('A', at(30), { status: 'cancelled' }, at(1));

    expect((await reminders()).map((r) => [r.state, r.reason])).toEqual([
      ['skipped', 'appointment_cancelled'],
      ['skipped', 'appointment_cancelled'],
    ]);
  });
});
