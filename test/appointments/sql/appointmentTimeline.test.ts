import { describe, expect, it } from 'vitest';
import { cancelAppointment, upsertAppointments } from '../../../src/appointments/appointments.js';
import { appointmentTimeline, reminderCountsOf } from '../../../src/appointments/sql/appointmentTimeline.js';
import { at, createReminderCampaign, fileTestDatabase, T } from '../seedReminders.js';

const db = fileTestDatabase();

describe('appointmentTimeline', () => {
  it('lists every reminder an appointment had, a cancel’s skips and their events included', async () => {
    const campaign = await createReminderCampaign(db);
    expect(campaign.status).toBe('running');
    const [booked] = await upsertAppointments(
      db.sql,
      [{ externalId: 'T-1', phone: '79160000101', startsAt: at(48) }],
      {
        now: T,
      },
    );
    const [other] = await upsertAppointments(
      db.sql,
      [{ externalId: 'T-2', phone: '79160000102', startsAt: at(72) }],
      {
        now: T,
      },
    );
    await cancelAppointment(db, booked!.id, { now: at(1) });

    const timeline = await appointmentTimeline(db.sql, booked!.id);
    expect(timeline.map((r) => [r.offsetSeconds, r.dueAt, r.state, r.reason])).toEqual([
      [-86_400, at(24), 'skipped', 'appointment_cancelled'],
      [-7200, at(46), 'skipped', 'appointment_cancelled'],
    ]);
    expect(timeline[0]!.campaignName).toBe('Visit reminder');
    expect(timeline[0]!.at).toEqual(at(1));
    expect(timeline[0]!.events).toEqual([
      expect.objectContaining({
        at: at(1),
        fromState: 'queued',
        toState: 'skipped',
        reason: 'appointment_cancelled',
      }),
    ]);

    const counts = await reminderCountsOf(db.sql, [booked!.id, other!.id]);
    expect(counts.get(booked!.id)).toEqual({ skipped: 2 });
    expect(counts.get(other!.id)).toEqual({ queued: 2 });
    expect(await appointmentTimeline(db.sql, 999_999)).toEqual([]);
  });
});
