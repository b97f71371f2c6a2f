import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  activeReminderCampaigns,
  type ReminderCampaign,
} from '../../../src/appointments/reminderCampaigns.js';
import { insertReminderDeliveries } from '../../../src/appointments/sql/insertReminderDeliveries.js';
import { skipCancelledReminders } from '../../../src/appointments/sql/skipCancelledReminders.js';
import { createCampaign } from '../../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../../src/campaigns/definition.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', '..', 'templates');
const HOUR = 3_600_000;
const T = new Date('2026-11-27T07:00:00.000Z');
const at = (hours: number) => new Date(T.getTime() + hours * HOUR);

let db: TestDatabase;
let campaign: ReminderCampaign;
beforeAll(async () => {
  db = await createTestDatabase();
  const definition = validateCampaignDefinition(
    {
      name: 'Visit reminder',
      kind: 'reminder',
      transport: 'sms',
      template: 'See you',
      offsets: ['-24h', '-2h'],
    },
    { now: T },
  );
  const { id } = await createCampaign(db, definition, { now: T, templatesDir: TEMPLATES });
  [campaign] = (await activeReminderCampaigns(db.sql, { campaignId: id })) as [ReminderCampaign];
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`delete from delivery_events`;
  await db.sql`delete from deliveries`;
  await db.sql`delete from appointments`;
  await db.sql`delete from contacts`;
});

/** An appointment booked at `at(30)` with its two reminders queued, then given `status`. */
async function appointmentWithReminders(externalId: string, status: 'booked' | 'cancelled'): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`
    with c as (insert into contacts (phone) values (${`7999${Math.floor(1e7 + Math.random() * 8e7)}`}) returning id)
    insert into appointments (external_id, contact_id, starts_at) select ${externalId}, c.id, ${at(30)} from c
    returning id`;
  const id = row!.id;
  await db.sql.begin((tx) =>
    insertReminderDeliveries(tx, { campaigns: [campaign], appointments: [id], now: T }),
  );
  await db.sql`update appointments set status = ${status}::appointment_status where id = ${id}`;
  return id;
}

function skip(appointmentIds: number[], now = at(1)) {
  return db.sql.begin((tx) => skipCancelledReminders(tx, { appointmentIds, now }));
}

async function reminders() {
  return db.sql<{ external_id: string; state: string; reason: string | null }[]>`
    select a.external_id, d.state::text, d.reason
    from deliveries d join appointments a on a.id = d.appointment_id order by a.external_id, d.due_at`;
}

describe('skipCancelledReminders', () => {
  it('skips the queued and waiting reminders of a cancelled appointment with reason appointment_cancelled, an event each', async () => {
    const id = await appointmentWithReminders('A', 'cancelled');
    await db.sql`update deliveries set state = 'waiting', reason = 'outside_send_window', locked_by = 'w1', locked_at = ${T}
                 where appointment_id = ${id} and due_at = ${at(6)}`;

    expect(await skip([id])).toBe(2);

    expect(await reminders()).toEqual([
      { external_id: 'A', state: 'skipped', reason: 'appointment_cancelled' },
      { external_id: 'A', state: 'skipped', reason: 'appointment_cancelled' },
    ]);
    expect(await db.sql`select count(*)::int as n from deliveries where locked_by is not null`).toEqual([
      { n: 0 },
    ]);
    const events =
      await db.sql`select from_state, to_state, reason, at from delivery_events order by from_state`;
    expect(events).toEqual([
      { from_state: 'queued', to_state: 'skipped', reason: 'appointment_cancelled', at: at(1) },
      { from_state: 'waiting', to_state: 'skipped', reason: 'appointment_cancelled', at: at(1) },
    ]);
  });

  it('leaves the reminders of a given appointment that is not cancelled', async () => {
    const booked = await appointmentWithReminders('booked', 'booked');
    expect(await skip([booked])).toBe(0);
    expect((await reminders()).map((r) => r.state)).toEqual(['queued', 'queued']);
  });

  it('leaves the reminders of a cancelled appointment it is not given', async () => {
    const given = await appointmentWithReminders('given', 'cancelled');
    await appointmentWithReminders('other', 'cancelled');

    expect(await skip([given])).toBe(2);

    expect((await reminders()).filter((r) => r.external_id === 'other').map((r) => r.state)).toEqual([
      'queued',
      'queued',
    ]);
  });

  it('leaves a reminder already sent or being sent', async () => {
    const id = await appointmentWithReminders('A', 'cancelled');
    await db.sql`update deliveries set state = 'sent', sent_at = ${T} where due_at = ${at(6)}`;
    await db.sql`update deliveries set state = 'sending' where due_at = ${at(28)}`;

    expect(await skip([id])).toBe(0);
    expect((await reminders()).map((r) => r.state)).toEqual(['sent', 'sending']);
  });

  it('skips nothing a second time, and nothing for no appointments', async () => {
    const id = await appointmentWithReminders('A', 'cancelled');
    expect(await skip([id])).toBe(2);
    expect(await skip([id])).toBe(0);
    expect(await skip([])).toBe(0);
    expect(await db.sql`select count(*)::int as n from delivery_events`).toEqual([{ n: 2 }]);
  });
});
